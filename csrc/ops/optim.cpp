// optimizer_update_: argument checks, per-step scalars (bias corrections, clip scales),
// then the cpu:: kernels over every variable's elements as one range.
#include "ops/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/device.h"
#include "core/threads.h"
#include "cpu/optim.h"

namespace pyfastfit {
namespace {

enum class Clip { none, norm, global, value };

Clip parse_clip(const std::string& s) {
  if (s == "none") return Clip::none;
  if (s == "clipnorm") return Clip::norm;
  if (s == "global_clipnorm") return Clip::global;
  if (s == "clipvalue") return Clip::value;
  throw std::invalid_argument(str("[optimizer] unknown clip_mode '", s,
                                  "': expected none, clipnorm, global_clipnorm or clipvalue."));
}

size_t slot_count(const std::string& algo) {
  if (algo == "sgd" || algo == "adagrad") return 1;
  if (algo == "adamax") return 2;
  if (algo == "rmsprop" || algo == "adam" || algo == "nadam") return 3;
  throw std::invalid_argument(str("[optimizer] unknown algorithm '", algo,
                                  "': expected sgd, rmsprop, adam, adagrad, adamax or nadam."));
}

size_t hyper_count(const std::string& algo) {
  if (algo == "adagrad") return 1;
  if (algo == "sgd") return 2;
  return 3;
}

float* slot_ptr(const std::vector<Tensor>& s, size_t i) {
  return s.empty() ? nullptr : s[i].f32();
}

int64_t read_int_scalar(const Tensor& t) {
  switch (t.dtype()) {
    case DType::int64: return *t.data<int64_t>();
    case DType::int32: return *t.data<int32_t>();
    case DType::float32: return static_cast<int64_t>(*t.f32());
    default: break;
  }
  throw std::invalid_argument(str("[optimizer] iterations must be an int scalar, got ",
                                  dtype_name(t.dtype()), "."));
}

void write_int_scalar(const Tensor& t, int64_t v) {
  switch (t.dtype()) {
    case DType::int64: *t.data<int64_t>() = v; break;
    case DType::int32: *t.data<int32_t>() = static_cast<int32_t>(v); break;
    case DType::float32: *t.f32() = static_cast<float>(v); break;
    default: break;
  }
}

// Updates are one pass over ~4-6 streams with a square root and a division per element
// (Adam, RMSprop: ~0.35 ns per element on one core here). A step's variables are split
// as one range over the pool: one fork-join per step whatever its layer count, and the
// small variables (biases, the output layer) no longer run on one thread while the other
// waits. W7's w=256 Adam update on two threads: 29.1 -> 25.8 us; W6's six RMSprop
// variables 15.3 -> 14.8 us (in its replay); one thread unchanged.
constexpr int64_t kUpdateGrain = 1 << 13;
constexpr int64_t kLine = 16;  // floats per cache line: no line is written by two chunks

/** Calls f(variable, begin, length) for the pieces of every variable in one chunk of the
 *  variables' elements laid end to end; chunks run on the pool. */
template <typename F>
void for_each_span(const std::vector<Tensor>& params, F&& f) {
  thread_local std::vector<int64_t> starts;  // no allocation per training step
  std::vector<int64_t>& start = starts;      // the caller's, in every chunk
  start.assign(1, 0);
  for (const Tensor& p : params) start.push_back(start.back() + (p.numel() + kLine - 1) / kLine);
  const int64_t lines = start.back();
  parallel_for(lines, kUpdateGrain / kLine, [&](int64_t lb, int64_t le) {
    size_t i = std::upper_bound(start.begin(), start.end(), lb) - start.begin() - 1;
    for (; i < params.size() && start[i] < le; ++i) {
      const int64_t b = (std::max(lb, start[i]) - start[i]) * kLine;
      const int64_t e = std::min((std::min(le, start[i + 1]) - start[i]) * kLine,
                                 params[i].numel());
      if (b < e) f(i, b, e - b);
    }
  });
}

// One variable's (or slice's) update at step t for every algorithm but nadam.
void update_range(const std::string& algo, const std::vector<double>& hyper, float lr,
                  double t, const cpu::GradXform& xf, float* p, const float* g,
                  float* const* s, int64_t n) {
  if (algo == "sgd") {
    cpu::sgd_update_(p, g, s[0], n, lr, static_cast<float>(hyper[0]), hyper[1] != 0.0, xf);
  } else if (algo == "rmsprop") {
    cpu::rmsprop_update_(p, g, s[0], s[1], s[2], n, lr, static_cast<float>(hyper[0]),
                         static_cast<float>(hyper[1]), static_cast<float>(hyper[2]), xf);
  } else if (algo == "adam") {
    double b1 = hyper[0], b2 = hyper[1];
    float alpha = static_cast<float>(lr * std::sqrt(1.0 - std::pow(b2, t)) /
                                     (1.0 - std::pow(b1, t)));
    cpu::adam_update_(p, g, s[0], s[1], s[2], n, alpha, static_cast<float>(b1),
                      static_cast<float>(b2), static_cast<float>(hyper[2]), xf);
  } else if (algo == "adagrad") {
    cpu::adagrad_update_(p, g, s[0], n, lr, static_cast<float>(hyper[0]), xf);
  } else if (algo == "adamax") {
    float omb1t = static_cast<float>(1.0 - std::pow(hyper[0], t));
    cpu::adamax_update_(p, g, s[0], s[1], n, lr, omb1t, static_cast<float>(hyper[0]),
                        static_cast<float>(hyper[1]), static_cast<float>(hyper[2]), xf);
  } else {
    throw std::invalid_argument(str("[optimizer] ", algo, " cannot update a slice."));
  }
}

}  // namespace

int64_t iterations_done(const Tensor& iterations) {
  return on_device("optimizer", iterations.device(), [&] { return read_int_scalar(iterations); });
}

bool optimizer_updates_slices(const std::string& algo, const std::string& clip_mode) {
  return algo != "nadam" && (clip_mode == "none" || clip_mode == "clipvalue");
}

void optimizer_update_slice_(const std::string& algo, const std::vector<double>& hyper,
                             float lr, int64_t done, float weight_decay,
                             const std::string& clip_mode, float clip, float* param,
                             const float* grad, float* const* slots, int64_t n) {
  // Raw host pointers from the fast path (csrc/program): CPU only by its signature.
  PFF_CHECK(optimizer_updates_slices(algo, clip_mode), "[optimizer] ", algo, " with ",
            clip_mode, " cannot update a variable slice by slice.");
  cpu::GradXform xf;
  if (clip_mode == "clipvalue" && clip > 0.f) xf.clip = clip;
  xf.decay = weight_decay * lr;
  update_range(algo, hyper, lr, static_cast<double>(done + 1), xf, param, grad, slots, n);
}

double global_norm(const std::vector<Tensor>& tensors) {
  Device d = common_device("global_norm", {{"tensors", tensors}});
  for (size_t i = 0; i < tensors.size(); ++i) check_float32(tensors[i], "global_norm", "tensor");
  return on_device("global_norm", d, [&] {
    double s = 0.0;
    for (size_t i = 0; i < tensors.size(); ++i)
      s += cpu::sum_squares(tensors[i].f32(), tensors[i].numel());
    return std::sqrt(s);
  });
}

void optimizer_update_(const std::string& algo, const std::vector<Tensor>& params,
                       const std::vector<Tensor>& grads,
                       const std::vector<std::vector<Tensor>>& slots,
                       const Tensor& learning_rate, const Tensor& iterations,
                       const std::vector<double>& hyper, const std::string& clip_mode,
                       float clip, const std::vector<float>& weight_decay) {
  Device dev = common_device("optimizer", {{"variables", params}, {"gradients", grads},
                                           {"slots", slots}, {"learning_rate", learning_rate},
                                           {"iterations", iterations}});
  const size_t nslots = slot_count(algo);
  const size_t n = params.size();
  Clip cm = parse_clip(clip_mode);
  PFF_CHECK(grads.size() == n, "[optimizer] got ", grads.size(), " gradients for ", n,
            " variables.");
  PFF_CHECK(slots.size() == nslots, "[optimizer] ", algo, " expects ", nslots,
            " slot lists, got ", slots.size(), ".");
  PFF_CHECK(hyper.size() == hyper_count(algo), "[optimizer] ", algo, " expects ",
            hyper_count(algo), " hyper-parameters, got ", hyper.size(), ".");
  PFF_CHECK(weight_decay.empty() || weight_decay.size() == n, "[optimizer] got ",
            weight_decay.size(), " weight decay rates for ", n, " variables.");
  check_float32(learning_rate, "optimizer", "learning_rate");
  PFF_CHECK(learning_rate.numel() == 1, "[optimizer] learning_rate must be a scalar, got shape ",
            shape_str(learning_rate.shape()), ".");
  PFF_CHECK(iterations.numel() == 1, "[optimizer] iterations must be a scalar, got shape ",
            shape_str(iterations.shape()), ".");
  for (size_t i = 0; i < n; ++i) {
    check_float32(params[i], "optimizer", "variable");
    check_float32(grads[i], "optimizer", "gradient");
    PFF_CHECK(grads[i].shape() == params[i].shape(), "[optimizer] gradient ", i,
              " has shape ", shape_str(grads[i].shape()), " but its variable has shape ",
              shape_str(params[i].shape()), ".");
  }
  for (size_t s = 0; s < nslots; ++s) {
    bool scalar_slot = algo == "nadam" && s == 2;
    if (scalar_slot) {
      PFF_CHECK(slots[s].size() == 1 && slots[s][0].numel() == 1 &&
                    slots[s][0].dtype() == DType::float32,
                "[optimizer] nadam expects one float32 scalar u_product.");
      continue;
    }
    PFF_CHECK(slots[s].empty() || slots[s].size() == n, "[optimizer] slot list ", s,
              " has ", slots[s].size(), " tensors for ", n, " variables.");
    for (size_t i = 0; i < slots[s].size(); ++i) {
      check_float32(slots[s][i], "optimizer", "slot");
      PFF_CHECK(slots[s][i].shape() == params[i].shape(), "[optimizer] slot ", s, " of variable ",
                i, " has shape ", shape_str(slots[s][i].shape()), ", expected ",
                shape_str(params[i].shape()), ".");
    }
  }

  return on_device("optimizer", dev, [&] {
    const float lr = *learning_rate.f32();
    const int64_t done = read_int_scalar(iterations);
    const double t = static_cast<double>(done + 1);

    // Per-variable gradient scale from clipping (global norm: one pass over all grads).
    // Reused across calls: a fast-path training step must not allocate.
    // A reference, so chunks on pool threads read this thread's transforms.
    thread_local std::vector<cpu::GradXform> xf_buffer;
    std::vector<cpu::GradXform>& xf = xf_buffer;
    xf.assign(n, cpu::GradXform{});
    if (cm == Clip::global && clip > 0.f) {
      float sc = cpu::clip_scale(global_norm(grads), clip);
      for (auto& x : xf) x.scale = sc;
    } else if (cm == Clip::norm && clip > 0.f) {
      for (size_t i = 0; i < n; ++i)
        xf[i].scale = cpu::clip_scale(std::sqrt(cpu::sum_squares(grads[i].f32(), grads[i].numel())),
                                      clip);
    } else if (cm == Clip::value && clip > 0.f) {
      for (auto& x : xf) x.clip = clip;
    }
    if (!weight_decay.empty())
      for (size_t i = 0; i < n; ++i) xf[i].decay = weight_decay[i] * lr;

    if (algo != "nadam") {
      // slots: sgd [momentums]; rmsprop [velocities, average gradients (centered),
      // momentums]; adam [momentums, velocities, velocity_hats]; adagrad [accumulators];
      // adamax [momentums, norms].
      bool needs0 = algo != "sgd", needs1 = algo == "adam" || algo == "adamax";
      PFF_CHECK(!needs0 || slots[0].size() == n, "[optimizer] ", algo,
                " needs one slot-0 tensor per variable.");
      PFF_CHECK(!needs1 || slots[1].size() == n, "[optimizer] ", algo,
                " needs one slot-1 tensor per variable.");
      for_each_span(params, [&](size_t i, int64_t b, int64_t len) {
        float* s[3] = {nullptr, nullptr, nullptr};
        for (size_t k = 0; k < nslots; ++k)
          if (float* sk = slot_ptr(slots[k], i)) s[k] = sk + b;
        update_range(algo, hyper, lr, t, xf[i], params[i].f32() + b, grads[i].f32() + b, s,
                     len);
      });
    } else {  // nadam
      PFF_CHECK(slots[0].size() == n && slots[1].size() == n,
                "[optimizer] nadam needs one momentum and one velocity per variable.");
      double b1 = hyper[0], b2 = hyper[1];
      float* up = slots[2][0].f32();
      double u_t = b1 * (1.0 - 0.5 * std::pow(0.96, t));
      double u_t1 = b1 * (1.0 - 0.5 * std::pow(0.96, t + 1.0));
      // u_product is state kept in float32, as Keras keeps it.
      *up = static_cast<float>(static_cast<double>(*up) * u_t);
      double prod_t = *up, prod_t1 = prod_t * u_t1;
      float cmf = static_cast<float>(u_t1 / (1.0 - prod_t1));
      float cg = static_cast<float>((1.0 - u_t) / (1.0 - prod_t));
      float cv = static_cast<float>(1.0 / (1.0 - std::pow(b2, t)));
      for_each_span(params, [&](size_t i, int64_t b, int64_t len) {
        cpu::nadam_update_(params[i].f32() + b, grads[i].f32() + b, slots[0][i].f32() + b,
                           slots[1][i].f32() + b, len, lr, cmf, cg, cv, static_cast<float>(b1),
                           static_cast<float>(b2), static_cast<float>(hyper[2]), xf[i]);
      });
    }
    write_int_scalar(iterations, done + 1);
  });
}

}  // namespace pyfastfit
