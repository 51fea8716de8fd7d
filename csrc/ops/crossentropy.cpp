// Cross-entropy ops: argument checks and dispatch to cpu:: kernels.
#include "ops/crossentropy.h"

#include "core/device.h"
#include "cpu/crossentropy.h"

namespace pyfastfit {
namespace {

struct Rows {
  int64_t B, C;
  Shape lead;  // the loss shape
};

Rows class_rows(const Tensor& x, const char* op, const char* name) {
  check_float32(x, op, name);
  PFF_CHECK(x.ndim() >= 1, "[", op, "] ", name, " must have at least 1 dimension (the ",
            "classes), got a scalar.");
  int64_t C = x.dim(-1);
  Shape lead(x.shape().begin(), x.shape().end() - 1);
  return {numel_of(lead), C, lead};
}

void check_labels_shape(const Tensor& labels, const Rows& r, const Tensor& logits,
                        const char* op) {
  PFF_CHECK(labels.dtype() == DType::int32 || labels.dtype() == DType::int64 ||
                labels.dtype() == DType::uint8,
            "[", op, "] labels must be int32, int64 or uint8, got ",
            dtype_name(labels.dtype()), ".");
  PFF_CHECK(labels.numel() == r.B, "[", op, "] labels of shape ", shape_str(labels.shape()),
            " do not match output of shape ", shape_str(logits.shape()),
            ": expected one label per row (shape ", shape_str(r.lead), ").");
  PFF_CHECK(r.C > 0 || r.B == 0, "[", op, "] output has 0 classes.");
}

void check_same(const Tensor& a, const Tensor& b, const char* op, const char* an,
                const char* bn) {
  check_float32(b, op, bn);
  PFF_CHECK(a.shape() == b.shape(), "[", op, "] ", bn, " has shape ", shape_str(b.shape()),
            " but ", an, " has shape ", shape_str(a.shape()), ".");
}

void check_g(const Tensor& g, const Rows& r, const char* op) {
  check_float32(g, op, "g");
  PFF_CHECK(g.numel() == r.B, "[", op, "] upstream gradient of shape ", shape_str(g.shape()),
            " does not match the loss shape ", shape_str(r.lead), ".");
}

template <typename F>
void by_label(const Tensor& labels, F&& f) {
  switch (labels.dtype()) {
    case DType::int32: f(labels.data<int32_t>()); break;
    case DType::int64: f(labels.data<int64_t>()); break;
    default: f(labels.data<uint8_t>()); break;
  }
}

}  // namespace

std::tuple<Tensor, Tensor> sparse_softmax_cross_entropy_forward(const Tensor& logits,
                                                                const Tensor& labels) {
  const char* op = "sparse_categorical_crossentropy";
  Device dev = common_device(op, {{"output", logits}, {"labels", labels}});
  Rows r = class_rows(logits, op, "output");
  check_labels_shape(labels, r, logits, op);
  return on_device(op, dev, [&] {
    Tensor loss = Tensor::empty(r.lead), probs = Tensor::empty(logits.shape());
    by_label(labels, [&](auto* y) {
      cpu::sparse_softmax_xent_forward(logits.f32(), y, loss.f32(), probs.f32(), r.B, r.C);
    });
    return std::tuple<Tensor, Tensor>{loss, probs};
  });
}

Tensor sparse_softmax_cross_entropy_backward(const Tensor& probs, const Tensor& labels,
                                             const Tensor& g) {
  const char* op = "sparse_categorical_crossentropy_backward";
  Device dev = common_device(op, {{"probs", probs}, {"labels", labels}, {"g", g}});
  Rows r = class_rows(probs, op, "probs");
  check_labels_shape(labels, r, probs, op);
  check_g(g, r, op);
  return on_device(op, dev, [&] {
    Tensor d = Tensor::empty(probs.shape());
    by_label(labels, [&](auto* y) {
      cpu::sparse_softmax_xent_backward(probs.f32(), y, g.f32(), d.f32(), r.B, r.C);
    });
    return d;
  });
}

std::tuple<Tensor, Tensor> softmax_cross_entropy_forward(const Tensor& logits,
                                                         const Tensor& target) {
  const char* op = "categorical_crossentropy";
  Device dev = common_device(op, {{"output", logits}, {"target", target}});
  Rows r = class_rows(logits, op, "output");
  check_same(logits, target, op, "output", "target");
  return on_device(op, dev, [&] {
    Tensor loss = Tensor::empty(r.lead), probs = Tensor::empty(logits.shape());
    cpu::softmax_xent_forward(logits.f32(), target.f32(), loss.f32(), probs.f32(), r.B, r.C);
    return std::tuple<Tensor, Tensor>{loss, probs};
  });
}

std::tuple<Tensor, Tensor> softmax_cross_entropy_backward(const Tensor& probs,
                                                          const Tensor& target,
                                                          const Tensor& logits,
                                                          const Tensor& g,
                                                          bool need_dtarget) {
  const char* op = "categorical_crossentropy_backward";
  Device dev = common_device(op, {{"probs", probs}, {"target", target}, {"logits", logits},
                                {"g", g}});
  Rows r = class_rows(probs, op, "probs");
  check_same(probs, target, op, "probs", "target");
  check_same(probs, logits, op, "probs", "logits");
  check_g(g, r, op);
  return on_device(op, dev, [&] {
    Tensor d = Tensor::empty(probs.shape());
    Tensor dt = need_dtarget ? Tensor::empty(probs.shape()) : Tensor();
    cpu::softmax_xent_backward(probs.f32(), target.f32(), logits.f32(), g.f32(), d.f32(),
                               need_dtarget ? dt.f32() : nullptr, r.B, r.C);
    return std::tuple<Tensor, Tensor>{d, dt};
  });
}

Tensor sparse_categorical_crossentropy_probs_forward(const Tensor& probs,
                                                     const Tensor& labels) {
  const char* op = "sparse_categorical_crossentropy";
  Device dev = common_device(op, {{"output", probs}, {"labels", labels}});
  Rows r = class_rows(probs, op, "output");
  check_labels_shape(labels, r, probs, op);
  return on_device(op, dev, [&] {
    Tensor loss = Tensor::empty(r.lead);
    by_label(labels, [&](auto* y) {
      cpu::sparse_prob_xent_forward(probs.f32(), y, loss.f32(), r.B, r.C);
    });
    return loss;
  });
}

Tensor sparse_categorical_crossentropy_probs_backward(const Tensor& probs,
                                                      const Tensor& labels,
                                                      const Tensor& g) {
  const char* op = "sparse_categorical_crossentropy_backward";
  Device dev = common_device(op, {{"output", probs}, {"labels", labels}, {"g", g}});
  Rows r = class_rows(probs, op, "output");
  check_labels_shape(labels, r, probs, op);
  check_g(g, r, op);
  return on_device(op, dev, [&] {
    Tensor d = Tensor::empty(probs.shape());
    by_label(labels, [&](auto* y) {
      cpu::sparse_prob_xent_backward(probs.f32(), y, g.f32(), d.f32(), r.B, r.C);
    });
    return d;
  });
}

Tensor categorical_crossentropy_probs_forward(const Tensor& probs, const Tensor& target) {
  const char* op = "categorical_crossentropy";
  Device dev = common_device(op, {{"output", probs}, {"target", target}});
  Rows r = class_rows(probs, op, "output");
  check_same(probs, target, op, "output", "target");
  return on_device(op, dev, [&] {
    Tensor loss = Tensor::empty(r.lead);
    cpu::prob_xent_forward(probs.f32(), target.f32(), loss.f32(), r.B, r.C);
    return loss;
  });
}

std::tuple<Tensor, Tensor> categorical_crossentropy_probs_backward(const Tensor& probs,
                                                                   const Tensor& target,
                                                                   const Tensor& g,
                                                                   bool need_dtarget) {
  const char* op = "categorical_crossentropy_backward";
  Device dev = common_device(op, {{"output", probs}, {"target", target}, {"g", g}});
  Rows r = class_rows(probs, op, "output");
  check_same(probs, target, op, "output", "target");
  check_g(g, r, op);
  return on_device(op, dev, [&] {
    Tensor d = Tensor::empty(probs.shape());
    Tensor dt = need_dtarget ? Tensor::empty(probs.shape()) : Tensor();
    cpu::prob_xent_backward(probs.f32(), target.f32(), g.f32(), d.f32(),
                            need_dtarget ? dt.f32() : nullptr, r.B, r.C);
    return std::tuple<Tensor, Tensor>{d, dt};
  });
}

Tensor binary_crossentropy_forward(const Tensor& output, const Tensor& target,
                                   bool from_logits) {
  const char* op = "binary_crossentropy";
  Device dev = common_device(op, {{"output", output}, {"target", target}});
  check_float32(output, op, "output");
  check_same(output, target, op, "output", "target");
  return on_device(op, dev, [&] {
    Tensor loss = Tensor::empty(output.shape());
    if (from_logits)
      cpu::binary_xent_logits_forward(output.f32(), target.f32(), loss.f32(), output.numel());
    else
      cpu::binary_xent_forward(output.f32(), target.f32(), loss.f32(), output.numel());
    return loss;
  });
}

std::tuple<Tensor, Tensor> binary_crossentropy_backward(const Tensor& output,
                                                        const Tensor& target,
                                                        const Tensor& g, bool from_logits,
                                                        bool need_dtarget) {
  const char* op = "binary_crossentropy_backward";
  Device dev = common_device(op, {{"output", output}, {"target", target}, {"g", g}});
  check_float32(output, op, "output");
  check_same(output, target, op, "output", "target");
  check_same(output, g, op, "output", "g");
  return on_device(op, dev, [&] {
    Tensor d = Tensor::empty(output.shape());
    Tensor dt = need_dtarget ? Tensor::empty(output.shape()) : Tensor();
    float* dtp = need_dtarget ? dt.f32() : nullptr;
    if (from_logits)
      cpu::binary_xent_logits_backward(output.f32(), target.f32(), g.f32(), d.f32(), dtp,
                                       output.numel());
    else
      cpu::binary_xent_backward(output.f32(), target.f32(), g.f32(), d.f32(), dtp,
                                output.numel());
    return std::tuple<Tensor, Tensor>{d, dt};
  });
}

}  // namespace pyfastfit
