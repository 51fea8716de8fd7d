// Metric ops: checks and dispatch to cpu::accuracy_counts / cpu::confusion_update.
#include "ops/metrics.h"

#include <tuple>

#include "core/check.h"
#include "core/device.h"
#include "cpu/metrics.h"

namespace pyfastfit {
namespace {

AccuracyKind parse_kind(const std::string& k) {
  using K = AccuracyKind;
  if (k == "values") return K::values;
  if (k == "exact") return K::exact;
  if (k == "binary") return K::binary;
  if (k == "categorical") return K::categorical;
  if (k == "sparse") return K::sparse;
  if (k == "top_k") return K::top_k;
  if (k == "sparse_top_k") return K::sparse_top_k;
  PFF_CHECK(false, "[accuracy_update_] unknown kind '", k,
            "'; expected values, exact, binary, categorical, sparse, top_k or sparse_top_k.");
  return K::values;
}

void check_scalar_state(const Tensor& t, const char* name,
                        const char* op = "accuracy_update_") {
  check_float32(t, op, name);
  PFF_CHECK(t.numel() == 1, "[", op, "] ", name, " must be a scalar, got shape ",
            shape_str(t.shape()), ".");
}

template <typename F>
void dispatch_labels(const Tensor& t, const char* op, F&& f) {
  switch (t.dtype()) {
    case DType::float32: f(t.data<float>()); break;
    case DType::int32: f(t.data<int32_t>()); break;
    case DType::int64: f(t.data<int64_t>()); break;
    case DType::uint8:
    case DType::bool_: f(t.data<uint8_t>()); break;
    default: PFF_CHECK(false, "[", op, "] unsupported y_true dtype ", dtype_name(t.dtype()), ".");
  }
}

}  // namespace

namespace {

/** Weights that broadcast over the `n` items as leading-axis groups: the pointer (null
 *  without weights) and the number of items each weight covers. */
std::pair<const float*, int64_t> leading_weights(const std::optional<Tensor>& weights,
                                                 int64_t n, const Tensor& of,
                                                 const char* what, const char* op) {
  if (!weights) return {nullptr, 1};
  check_float32(*weights, op, "sample_weight");
  int64_t wn = weights->numel();
  PFF_CHECK(wn > 0 ? n % wn == 0 : n == 0, "[", op, "] sample_weight has shape ",
            shape_str(weights->shape()), " which does not broadcast to ", what, " shape ",
            shape_str(of.shape()), ".");
  return {weights->f32(), wn ? n / wn : 1};
}

// The item layout of an accuracy kind: `items` match values of `cols` predictions each
// (rows of y_pred for the class kinds, elements otherwise), grouped per sample.
struct AccuracyLayout {
  AccuracyKind kind;
  int64_t cols, items, samples, per_sample;
  Shape items_shape;
};

AccuracyLayout accuracy_layout(const char* op, const std::optional<Tensor>& y_true,
                               const Tensor& y_pred, const std::string& kind) {
  using K = AccuracyKind;
  AccuracyLayout l;
  l.kind = parse_kind(kind);
  auto kd = l.kind;
  check_float32(y_pred, op, "y_pred");
  bool rowwise = kd == K::categorical || kd == K::sparse || kd == K::top_k ||
                 kd == K::sparse_top_k;
  PFF_CHECK(!rowwise || y_pred.ndim() >= 1, "[", op, "] y_pred must have a class axis for '",
            kind, "' accuracy; got shape ", shape_str(y_pred.shape()), ".");
  l.cols = rowwise ? y_pred.dim(-1) : 1;
  l.items_shape = rowwise ? Shape(y_pred.shape().begin(), y_pred.shape().end() - 1)
                          : y_pred.shape();
  l.items = numel_of(l.items_shape);
  if (rowwise && l.cols == 0) l.items = 0;
  l.samples = l.items_shape.empty() ? 1 : l.items_shape[0];
  l.per_sample = l.samples ? l.items / l.samples : 1;
  if (kd != K::values) {
    PFF_CHECK(y_true.has_value(), "[", op, "] y_true is required for '", kind, "'.");
    int64_t want = (kd == K::categorical || kd == K::top_k || !rowwise) ? y_pred.numel()
                                                                        : l.items;
    PFF_CHECK(y_true->numel() == want, "[", op, "] y_true has shape ",
              shape_str(y_true->shape()), " (", y_true->numel(), " values) but y_pred of shape ",
              shape_str(y_pred.shape()), " needs ", want, ".");
  }
  return l;
}

}  // namespace

void accuracy_update_(Tensor& total, Tensor& count, const std::optional<Tensor>& y_true,
                      const Tensor& y_pred, const std::optional<Tensor>& weights,
                      const std::string& kind, float threshold, int64_t k) {
  using K = AccuracyKind;
  const char* op = "accuracy_update_";
  Device dev = common_device(op, {{"total", total}, {"count", count}, {"y_true", y_true},
                                {"y_pred", y_pred}, {"sample_weight", weights}});
  parse_kind(kind);  // an unknown kind is reported before any other problem
  check_scalar_state(total, "total");
  check_scalar_state(count, "count");
  AccuracyLayout l = accuracy_layout(op, y_true, y_pred, kind);
  const float* w = nullptr;
  int64_t w_div = 1;
  if (weights) {
    check_float32(*weights, op, "sample_weight");
    int64_t wn = weights->numel();
    if (wn == l.items) w_div = 1;
    else if (wn == l.samples) w_div = l.per_sample;
    else PFF_CHECK(false, "[", op, "] sample_weight has shape ", shape_str(weights->shape()),
                   "; expected one weight per sample (", l.samples, ") or per value ",
                   shape_str(l.items_shape), ".");
    w = weights->f32();
  }
  return on_device(op, dev, [&] {
    if (l.items == 0) return;
    cpu::MeanCounts c;
    if (l.kind == K::values) {
      c = cpu::accuracy_counts<float>(l.kind, nullptr, y_pred.f32(), l.items, l.cols,
                                      l.per_sample, w, w_div, threshold, k);
    } else {
      dispatch_labels(*y_true, op, [&](auto* lab) {
        c = cpu::accuracy_counts(l.kind, lab, y_pred.f32(), l.items, l.cols, l.per_sample, w,
                                 w_div, threshold, k);
      });
    }
    total.f32()[0] += static_cast<float>(c.total);
    count.f32()[0] += static_cast<float>(c.count);
  });
}

Tensor accuracy_matches(const Tensor& y_true, const Tensor& y_pred, const std::string& kind,
                        float threshold, int64_t k) {
  const char* op = "accuracy_matches";
  Device dev = common_device(op, {{"y_true", y_true}, {"y_pred", y_pred}});
  PFF_CHECK(kind != "values", "[", op, "] kind 'values' has no matches.");
  AccuracyLayout l = accuracy_layout(op, y_true, y_pred, kind);
  return on_device(op, dev, [&] {
    Tensor out = Tensor::zeros(l.items_shape, DType::float32);
    if (l.items == 0) return out;
    dispatch_labels(y_true, op, [&](auto* lab) {
      cpu::accuracy_matches(l.kind, lab, y_pred.f32(), l.items, l.cols, threshold, k,
                            out.f32());
    });
    return out;
  });
}

void sum_update_(const Tensor& total, const Tensor& values,
                 const std::optional<Tensor>& weights) {
  const char* op = "sum_update_";
  Device dev = common_device(op, {{"total", total}, {"values", values},
                                {"sample_weight", weights}});
  check_float32(total, op, "total");
  PFF_CHECK(total.numel() == 1, "[", op, "] total must be a scalar, got shape ",
            shape_str(total.shape()), ".");
  check_float32(values, op, "values");
  int64_t n = values.numel();
  // Not a structured binding: the kernel lambda captures them (C++17).
  const float* w;
  int64_t w_div;
  std::tie(w, w_div) = leading_weights(weights, n, values, "the values'", op);
  return on_device(op, dev, [&] {
    if (n == 0) return;
    // The "values" accumulator with one item per sample is a plain weighted sum.
    cpu::MeanCounts c = cpu::accuracy_counts<float>(AccuracyKind::values, nullptr,
                                                    values.f32(), n, 1, 1, w, w_div, 0.f, 0);
    total.f32()[0] += static_cast<float>(c.total);
  });
}

Tensor mean_result(const Tensor& total, const std::optional<Tensor>& count) {
  const char* op = "mean_result";
  Device dev = common_device(op, {{"total", total}, {"count", count}});
  check_float32(total, op, "total");
  if (count) {
    check_float32(*count, op, "count");
    PFF_CHECK(count->shape() == total.shape(), "[", op, "] count has shape ",
              shape_str(count->shape()), " but total has shape ", shape_str(total.shape()),
              "; they must match.");
  }
  return on_device(op, dev, [&] {
    Tensor out = Tensor::empty(total.shape(), DType::float32);
    const float* t = total.f32();
    const float* c = count ? count->f32() : nullptr;
    float* o = out.f32();
    for (int64_t i = 0, n = total.numel(); i < n; ++i) {
      float ci = c ? c[i] : 1.f;
      o[i] = ci == 0.f ? 0.f : t[i] / ci;
    }
    return out;
  });
}

void confusion_update_(const std::optional<Tensor>& tp, const std::optional<Tensor>& fp,
                       const std::optional<Tensor>& tn, const std::optional<Tensor>& fn,
                       const Tensor& y_true, const Tensor& y_pred, const Tensor& thresholds,
                       const std::optional<Tensor>& weights) {
  const char* op = "confusion_update_";
  Device dev = common_device(op, {{"true_positives", tp}, {"false_positives", fp},
                                {"true_negatives", tn}, {"false_negatives", fn},
                                {"y_true", y_true}, {"y_pred", y_pred},
                                {"thresholds", thresholds}, {"sample_weight", weights}});
  check_float32(y_pred, op, "y_pred");
  check_float32(thresholds, op, "thresholds");
  int64_t T = thresholds.numel();
  int64_t n = y_pred.numel();
  PFF_CHECK(y_true.numel() == n, "[", op, "] y_true has shape ", shape_str(y_true.shape()),
            " but y_pred has shape ", shape_str(y_pred.shape()), "; they must match.");
  float* acc[4] = {nullptr, nullptr, nullptr, nullptr};
  const std::optional<Tensor>* in[4] = {&tp, &fp, &tn, &fn};
  const char* names[4] = {"true_positives", "false_positives", "true_negatives",
                          "false_negatives"};
  for (int q = 0; q < 4; ++q) {
    if (!in[q]->has_value()) continue;
    const Tensor& a = **in[q];
    check_float32(a, op, names[q]);
    PFF_CHECK(a.numel() == T, "[", op, "] ", names[q], " has ", a.numel(),
              " entries but there are ", T, " thresholds.");
    acc[q] = a.f32();
  }
  const float* w;
  int64_t w_div;
  std::tie(w, w_div) = leading_weights(weights, n, y_pred, "y_pred's", op);
  return on_device(op, dev, [&] {
    if (n == 0 || T == 0) return;
    dispatch_labels(y_true, op, [&](auto* lab) {
      cpu::confusion_update(lab, y_pred.f32(), n, w, w_div, thresholds.f32(), T, acc[0], acc[1],
                            acc[2], acc[3]);
    });
  });
}

}  // namespace pyfastfit
