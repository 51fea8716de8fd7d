// BatchNormalization, LayerNormalization (rms_scaling too), GroupNormalization and
// UnitNormalization: argument checks, output allocation,
// dispatch to cpu::.
#include "ops/normalization.h"

#include <cmath>

#include "core/check.h"
#include "core/device.h"
#include "cpu/group_norm.h"
#include "cpu/normalization.h"

namespace pyfastfit {
namespace {

struct Rows {
  int64_t R, C;
};

/** x as (R, C) rows of its last axis. */
Rows rows_of(const Tensor& x, const char* op) {
  check_float32(x, op, "x");
  PFF_CHECK(x.ndim() >= 1, "[", op, "] x must have at least one axis (the features), got a ",
            "scalar.");
  const int64_t C = x.dim(-1);
  PFF_CHECK(C >= 1, "[", op, "] x must have at least one feature on its last axis, got shape ",
            shape_str(x.shape()), ".");
  return {x.numel() / C, C};
}

void check_vector(const Tensor& t, int64_t C, const char* op, const char* name) {
  check_float32(t, op, name);
  PFF_CHECK(t.shape() == Shape{C}, "[", op, "] ", name, " must have shape (", C,
            ",) to match the last axis of x, got shape ", shape_str(t.shape()), ".");
}

/** The data of an optional (C,) vector, or null when absent. */
const float* optional_vector(const std::optional<Tensor>& t, int64_t C, const char* op,
                             const char* name) {
  if (!t) return nullptr;
  check_vector(*t, C, op, name);
  return t->f32();
}

void check_epsilon(float epsilon, const char* op) {
  PFF_CHECK(epsilon >= 0.f && std::isfinite(epsilon), "[", op,
            "] epsilon must be a finite number >= 0, got ", epsilon, ".");
}

void check_same_shape(const Tensor& dy, const Tensor& x, const char* op) {
  check_float32(dy, op, "dy");
  PFF_CHECK(dy.shape() == x.shape(), "[", op, "] dy has shape ", shape_str(dy.shape()),
            " but x has shape ", shape_str(x.shape()), ".");
}

float* data_if(Tensor& t, bool need, const Shape& shape) {
  if (!need) return nullptr;
  t = Tensor::empty(shape);
  return t.f32();
}

/** Checks a per-row statistic (x's shape without its last axis, or `shape`). */
void check_rows(const Tensor& t, const Shape& shape, const char* op, const char* name) {
  check_float32(t, op, name);
  PFF_CHECK(t.shape() == shape, "[", op, "] ", name, " must have shape ", shape_str(shape),
            ", got shape ", shape_str(t.shape()), ".");
}

Shape without_last(const Tensor& x) { return Shape(x.shape().begin(), x.shape().end() - 1); }

struct GroupDims {
  int64_t N, P, C, G;
};

GroupDims group_dims(const Tensor& x, int64_t groups, const char* op) {
  check_float32(x, op, "x");
  PFF_CHECK(x.ndim() >= 2, "[", op, "] x must have a batch axis and a channel axis, got ",
            "shape ", shape_str(x.shape()), ".");
  const int64_t N = x.dim(0), C = x.dim(-1);
  PFF_CHECK(C >= 1 && groups >= 1 && C % groups == 0, "[", op, "] groups=", groups,
            " must divide the ", C, " channels of x (shape ", shape_str(x.shape()), ").");
  const int64_t P = N * C == 0 ? 0 : x.numel() / (N * C);
  return {N, P, C, groups};
}

}  // namespace

std::tuple<Tensor, Tensor> batch_norm_statistics(const Tensor& x) {
  const char* op = "batch_norm_statistics";
  Device dev = common_device(op, {{"x", x}});
  Rows s = rows_of(x, op);
  return on_device(op, dev, [&] {
    Tensor mean = Tensor::empty({s.C}), var = Tensor::empty({s.C});
    cpu::batch_norm_statistics(x.f32(), s.R, s.C, mean.f32(), var.f32());
    return std::tuple<Tensor, Tensor>{mean, var};
  });
}

Tensor batch_norm_statistics_backward(const std::optional<Tensor>& dmean,
                                      const std::optional<Tensor>& dvar, const Tensor& x,
                                      const Tensor& mean) {
  const char* op = "batch_norm_statistics_backward";
  Device dev = common_device(op, {{"dmean", dmean}, {"dvar", dvar}, {"x", x}, {"mean", mean}});
  Rows s = rows_of(x, op);
  check_vector(mean, s.C, op, "mean");
  const float* dm = optional_vector(dmean, s.C, op, "dmean");
  const float* dv = optional_vector(dvar, s.C, op, "dvar");
  return on_device(op, dev, [&] {
    Tensor dx = Tensor::empty(x.shape());
    cpu::batch_norm_statistics_backward(dm, dv, x.f32(), mean.f32(), s.R, s.C, dx.f32());
    return dx;
  });
}

std::tuple<Tensor, Tensor, Tensor> batch_norm_train_forward(
    const Tensor& x, const std::optional<Tensor>& gamma, const std::optional<Tensor>& beta,
    float epsilon) {
  const char* op = "batch_norm";
  Device dev = common_device(op, {{"x", x}, {"gamma", gamma}, {"beta", beta}});
  Rows s = rows_of(x, op);
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  const float* b = optional_vector(beta, s.C, op, "beta");
  check_epsilon(epsilon, op);
  return on_device(op, dev, [&] {
    Tensor mean = Tensor::empty({s.C}), var = Tensor::empty({s.C}), y = Tensor::empty(x.shape());
    cpu::batch_norm_statistics(x.f32(), s.R, s.C, mean.f32(), var.f32());
    cpu::batch_norm_forward(x.f32(), mean.f32(), var.f32(), g, b, epsilon, s.R, s.C, y.f32());
    return std::tuple<Tensor, Tensor, Tensor>{y, mean, var};
  });
}

Tensor batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var,
                          const std::optional<Tensor>& gamma,
                          const std::optional<Tensor>& beta, float epsilon) {
  const char* op = "batch_norm";
  Device dev = common_device(op, {{"x", x}, {"mean", mean}, {"variance", var}, {"gamma", gamma},
                                {"beta", beta}});
  Rows s = rows_of(x, op);
  check_vector(mean, s.C, op, "mean");
  check_vector(var, s.C, op, "variance");
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  const float* b = optional_vector(beta, s.C, op, "beta");
  check_epsilon(epsilon, op);
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty(x.shape());
    cpu::batch_norm_forward(x.f32(), mean.f32(), var.f32(), g, b, epsilon, s.R, s.C, y.f32());
    return y;
  });
}

std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> batch_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
    const std::optional<Tensor>& gamma, float epsilon, bool batch_stats, bool need_dx,
    bool need_dgamma, bool need_dbeta, bool need_dmean, bool need_dvar) {
  const char* op = "batch_norm_backward";
  Device dev = common_device(op, {{"dy", dy}, {"x", x}, {"mean", mean}, {"variance", var},
                                {"gamma", gamma}});
  Rows s = rows_of(x, op);
  check_same_shape(dy, x, op);
  check_vector(mean, s.C, op, "mean");
  check_vector(var, s.C, op, "variance");
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  check_epsilon(epsilon, op);
  PFF_CHECK(!(batch_stats && (need_dmean || need_dvar)), "[", op,
            "] the batch statistics are computed from x: they have no gradient of their "
            "own (need_dmean and need_dvar must be false when batch_stats is true).");
  return on_device(op, dev, [&] {
    Tensor dx, dgamma, dbeta, dmean, dvar;
    float* pdx = data_if(dx, need_dx, x.shape());
    // dmean and dvar come from the same sums as dbeta and dgamma.
    float* pdg = data_if(dgamma, need_dgamma || need_dvar, {s.C});
    float* pdb = data_if(dbeta, need_dbeta || need_dmean, {s.C});
    cpu::batch_norm_backward(dy.f32(), x.f32(), mean.f32(), var.f32(), g, epsilon, s.R, s.C,
                             batch_stats, pdx, pdg, pdb);
    if (need_dmean || need_dvar) {
      // y = (x - mean) * inv * gamma + beta with inv = (var + eps)^-1/2, so
      // dy/dmean = -gamma * inv and dy/dvar = -gamma * inv^2 * xhat / 2.
      float* pdm = data_if(dmean, need_dmean, {s.C});
      float* pdv = data_if(dvar, need_dvar, {s.C});
      for (int64_t c = 0; c < s.C; ++c) {
        const float inv = 1.f / std::sqrt(var.f32()[c] + epsilon);
        const float a = g ? g[c] * inv : inv;
        if (pdm) pdm[c] = -a * pdb[c];
        if (pdv) pdv[c] = -0.5f * a * inv * pdg[c];
      }
    }
    if (!need_dgamma) dgamma = Tensor();
    if (!need_dbeta) dbeta = Tensor();
    return std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor>{dx, dgamma, dbeta, dmean, dvar};
  });
}

void moving_average_update_(const Tensor& moving, const Tensor& batch, float momentum) {
  const char* op = "moving_average_update";
  Device dev = common_device(op, {{"moving", moving}, {"batch", batch}});
  check_float32(moving, op, "moving");
  PFF_CHECK(moving.ndim() == 1, "[", op, "] moving must be a vector, got shape ",
            shape_str(moving.shape()), ".");
  check_vector(batch, moving.dim(0), op, "batch");
  return on_device(op, dev, [&] {
    cpu::moving_average_update(moving.f32(), batch.f32(), momentum, moving.dim(0));
  });
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x,
                                                      const std::optional<Tensor>& gamma,
                                                      const std::optional<Tensor>& beta,
                                                      float epsilon) {
  const char* op = "layer_norm";
  Device dev = common_device(op, {{"x", x}, {"gamma", gamma}, {"beta", beta}});
  Rows s = rows_of(x, op);
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  const float* b = optional_vector(beta, s.C, op, "beta");
  check_epsilon(epsilon, op);
  Shape rows(x.shape().begin(), x.shape().end() - 1);
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty(x.shape()), mean = Tensor::empty(rows),
           inv_std = Tensor::empty(rows);
    cpu::layer_norm_forward(x.f32(), g, b, epsilon, s.R, s.C, y.f32(), mean.f32(),
                            inv_std.f32());
    return std::tuple<Tensor, Tensor, Tensor>{y, mean, inv_std};
  });
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& inv_std,
    const std::optional<Tensor>& gamma, bool need_dx, bool need_dgamma, bool need_dbeta) {
  const char* op = "layer_norm_backward";
  Device dev = common_device(op, {{"dy", dy}, {"x", x}, {"mean", mean}, {"inv_std", inv_std},
                                {"gamma", gamma}});
  Rows s = rows_of(x, op);
  check_same_shape(dy, x, op);
  Shape rows(x.shape().begin(), x.shape().end() - 1);
  for (const Tensor* t : {&mean, &inv_std}) {
    check_float32(*t, op, t == &mean ? "mean" : "inv_std");
    PFF_CHECK(t->shape() == rows, "[", op, "] ", t == &mean ? "mean" : "inv_std",
              " must have shape ", shape_str(rows), " (x's shape without its last axis), ",
              "got shape ", shape_str(t->shape()), ".");
  }
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  return on_device(op, dev, [&] {
    Tensor dx, dgamma, dbeta;
    float* pdx = data_if(dx, need_dx, x.shape());
    float* pdg = data_if(dgamma, need_dgamma, {s.C});
    float* pdb = data_if(dbeta, need_dbeta, {s.C});
    cpu::layer_norm_backward(dy.f32(), x.f32(), mean.f32(), inv_std.f32(), g, s.R, s.C, pdx,
                             pdg, pdb);
    return std::tuple<Tensor, Tensor, Tensor>{dx, dgamma, dbeta};
  });
}

std::tuple<Tensor, Tensor, Tensor> layer_norm_rms_forward(const Tensor& x,
                                                          const std::optional<Tensor>& gamma,
                                                          float epsilon) {
  const char* op = "layer_norm_rms";
  Device dev = common_device(op, {{"x", x}, {"gamma", gamma}});
  Rows s = rows_of(x, op);
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  check_epsilon(epsilon, op);
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty(x.shape()), mean = Tensor::empty(without_last(x)),
           inv_std = Tensor::empty(without_last(x));
    cpu::layer_norm_rms_forward(x.f32(), g, epsilon, s.R, s.C, y.f32(), mean.f32(),
                                inv_std.f32());
    return std::tuple<Tensor, Tensor, Tensor>{y, mean, inv_std};
  });
}

std::tuple<Tensor, Tensor> layer_norm_rms_backward(const Tensor& dy, const Tensor& x,
                                                   const Tensor& mean, const Tensor& inv_std,
                                                   const std::optional<Tensor>& gamma,
                                                   bool need_dx, bool need_dgamma) {
  const char* op = "layer_norm_rms_backward";
  Device dev = common_device(op, {{"dy", dy}, {"x", x}, {"mean", mean}, {"inv_std", inv_std},
                                {"gamma", gamma}});
  Rows s = rows_of(x, op);
  check_same_shape(dy, x, op);
  check_rows(mean, without_last(x), op, "mean");
  check_rows(inv_std, without_last(x), op, "inv_std");
  const float* g = optional_vector(gamma, s.C, op, "gamma");
  return on_device(op, dev, [&] {
    Tensor dx, dgamma;
    float* pdx = data_if(dx, need_dx, x.shape());
    float* pdg = data_if(dgamma, need_dgamma, {s.C});
    cpu::layer_norm_rms_backward(dy.f32(), x.f32(), mean.f32(), inv_std.f32(), g, s.R, s.C,
                                 pdx, pdg);
    return std::tuple<Tensor, Tensor>{dx, dgamma};
  });
}

std::tuple<Tensor, Tensor> unit_norm_forward(const Tensor& x) {
  const char* op = "unit_norm";
  Device dev = common_device(op, {{"x", x}});
  Rows s = rows_of(x, op);
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty(x.shape()), sq = Tensor::empty(without_last(x));
    cpu::unit_norm_forward(x.f32(), s.R, s.C, y.f32(), sq.f32());
    return std::tuple<Tensor, Tensor>{y, sq};
  });
}

Tensor unit_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& sq) {
  const char* op = "unit_norm_backward";
  Device dev = common_device(op, {{"dy", dy}, {"x", x}, {"sq", sq}});
  Rows s = rows_of(x, op);
  check_same_shape(dy, x, op);
  check_rows(sq, without_last(x), op, "sq");
  return on_device(op, dev, [&] {
    Tensor dx = Tensor::empty(x.shape());
    cpu::unit_norm_backward(dy.f32(), x.f32(), sq.f32(), s.R, s.C, dx.f32());
    return dx;
  });
}

std::tuple<Tensor, Tensor, Tensor> group_norm_forward(const Tensor& x,
                                                      const std::optional<Tensor>& gamma,
                                                      const std::optional<Tensor>& beta,
                                                      int64_t groups, float epsilon) {
  const char* op = "group_norm";
  Device dev = common_device(op, {{"x", x}, {"gamma", gamma}, {"beta", beta}});
  GroupDims d = group_dims(x, groups, op);
  const float* g = optional_vector(gamma, d.C, op, "gamma");
  const float* b = optional_vector(beta, d.C, op, "beta");
  check_epsilon(epsilon, op);
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty(x.shape()), mean = Tensor::empty({d.N, d.G}),
           inv_std = Tensor::empty({d.N, d.G});
    cpu::group_norm_forward(x.f32(), g, b, epsilon, d.N, d.P, d.C, d.G, y.f32(), mean.f32(),
                            inv_std.f32());
    return std::tuple<Tensor, Tensor, Tensor>{y, mean, inv_std};
  });
}

std::tuple<Tensor, Tensor, Tensor> group_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& inv_std,
    const std::optional<Tensor>& gamma, int64_t groups, bool need_dx, bool need_dgamma,
    bool need_dbeta) {
  const char* op = "group_norm_backward";
  Device dev = common_device(op, {{"dy", dy}, {"x", x}, {"mean", mean}, {"inv_std", inv_std},
                                {"gamma", gamma}});
  GroupDims d = group_dims(x, groups, op);
  check_same_shape(dy, x, op);
  check_rows(mean, {d.N, d.G}, op, "mean");
  check_rows(inv_std, {d.N, d.G}, op, "inv_std");
  const float* g = optional_vector(gamma, d.C, op, "gamma");
  return on_device(op, dev, [&] {
    Tensor dx, dgamma, dbeta;
    float* pdx = data_if(dx, need_dx, x.shape());
    float* pdg = data_if(dgamma, need_dgamma, {d.C});
    float* pdb = data_if(dbeta, need_dbeta, {d.C});
    cpu::group_norm_backward(dy.f32(), x.f32(), mean.f32(), inv_std.f32(), g, d.N, d.P, d.C,
                             d.G, pdx, pdg, pdb);
    return std::tuple<Tensor, Tensor, Tensor>{dx, dgamma, dbeta};
  });
}

}  // namespace pyfastfit
