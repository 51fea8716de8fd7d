// The loss and metrics of each model output inside a Program, on the eager path's
// kernels: per-sample losses (cpu/crossentropy.h, cpu/losses.h), the Keras reduction
// (cpu::weighted_sum) and its backward, and the metrics' accumulators (cpu/metrics.h).
#include <cstring>

#include "core/check.h"
#include "cpu/crossentropy.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

LossKind parse_loss_kind(const std::string& n) {
  if (n == "sparse_categorical_crossentropy") return LossKind::sparse_categorical_crossentropy;
  if (n == "categorical_crossentropy") return LossKind::categorical_crossentropy;
  if (n == "binary_crossentropy") return LossKind::binary_crossentropy;
  if (n == "point") return LossKind::point;
  throw std::invalid_argument(str("[program] unsupported loss kind '", n, "'."));
}


namespace {
bool sparse_targets(const HeadSpec& h) {
  return h.loss == LossKind::sparse_categorical_crossentropy;
}
}  // namespace

void check_head_data(const HeadSpec& head, int64_t width, const Tensor& y, const Tensor& sw,
                     int64_t n, size_t index) {
  if (sparse_targets(head)) {
    PFF_CHECK(y.dtype() == DType::int64, "[program] targets of output ", index,
              " must be int64 class indices, got ", dtype_name(y.dtype()), ".");
    PFF_CHECK(y.numel() == n * head.positions, "[program] targets of output ", index,
              " have shape ", shape_str(y.shape()), "; expected ", n * head.positions,
              " class indices.");
  } else {
    check_float32(y, "program", "y");
    PFF_CHECK(y.numel() == n * width, "[program] targets of output ", index, " have shape ",
              shape_str(y.shape()), "; expected (", n, ", ", width, ").");
  }
  if (sw.numel()) {
    check_float32(sw, "program", "sample_weight");
    PFF_CHECK(sw.numel() == n, "[program] sample_weight of output ", index, " has shape ",
              shape_str(sw.shape()), "; expected one weight per sample (", n, ").");
  }
}

void gather_head(const HeadSpec& head, int64_t width, const Tensor& y, const Tensor& sw,
                 const int64_t* rows, int64_t b, HeadBuffers& buf) {
  int64_t P = head.positions;
  if (sparse_targets(head)) {
    const int64_t* src = y.data<int64_t>();
    int64_t* dst = buf.labels.data<int64_t>();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < P; ++j) dst[i * P + j] = src[rows[i] * P + j];
  } else {
    const float* src = y.f32();
    float* dst = buf.target.f32();
    for (int64_t i = 0; i < b; ++i)
      std::memcpy(dst + i * width, src + rows[i] * width, sizeof(float) * width);
  }
  buf.has_weights = sw.numel() > 0;
  if (buf.has_weights) {
    const float* src = sw.f32();
    float* dst = buf.weights.f32();
    for (int64_t i = 0; i < b; ++i)
      for (int64_t j = 0; j < P; ++j) dst[i * P + j] = src[rows[i]];
  }
}

float head_loss(const HeadSpec& h, const float* pred, int64_t b, int64_t C, HeadBuffers& buf,
                float* dpred) {
  float* rows = buf.loss_rows.f32();
  float* scratch = buf.scratch.f32();
  const int64_t* labels = buf.labels.data<int64_t>();
  const float* target = buf.target.f32();
  const float* w = buf.has_weights ? buf.weights.f32() : nullptr;
  int64_t n = b * C;
  if (h.smoothing) {  // as the eager loss: multiply, then add (two roundings)
    float* sm = buf.smoothed.f32();
    for (int64_t i = 0; i < n; ++i) sm[i] = target[i] * h.smooth_scale;
    for (int64_t i = 0; i < n; ++i) sm[i] += h.smooth_offset;
    target = sm;
  }
  double scale = h.sum_reduction ? 1.0 : 1.0 / static_cast<double>(b);
  // Forward: per-sample losses.
  switch (h.loss) {
    case LossKind::sparse_categorical_crossentropy:
      if (h.from_logits) cpu::sparse_softmax_xent_forward(pred, labels, rows, scratch, b, C);
      else cpu::sparse_prob_xent_forward(pred, labels, rows, b, C);
      break;
    case LossKind::categorical_crossentropy:
      if (h.from_logits) cpu::softmax_xent_forward(pred, target, rows, scratch, b, C);
      else cpu::prob_xent_forward(pred, target, rows, b, C);
      break;
    case LossKind::binary_crossentropy: {
      if (h.from_logits) cpu::binary_xent_logits_forward(pred, target, scratch, n);
      else cpu::binary_xent_forward(pred, target, scratch, n);
      float inv = 1.f / static_cast<float>(C);  // ops.mean over the last axis
      for (int64_t r = 0; r < b; ++r) {
        float s = 0.f;
        for (int64_t c = 0; c < C; ++c) s += scratch[r * C + c];
        rows[r] = s * inv;
      }
      break;
    }
    case LossKind::point:  // reduced in one pass below, as the eager fused loss does
      break;
  }
  float value = h.loss == LossKind::point
                    ? static_cast<float>(cpu::point_loss_reduced(h.point, target, pred, w, b, C,
                                                                 h.param, scale))
                    : static_cast<float>(cpu::weighted_sum(rows, w, b, scale));
  if (!dpred) return value;
  // Backward: d(weight * value) / d pred, as the tape would compute it.
  float g = h.has_weight ? h.weight : 1.f;
  float* dl = buf.dloss.f32();
  switch (h.loss) {
    case LossKind::sparse_categorical_crossentropy:
      cpu::weighted_sum_backward(g, w, dl, b, scale);
      if (h.from_logits) cpu::sparse_softmax_xent_backward(scratch, labels, dl, dpred, b, C);
      else cpu::sparse_prob_xent_backward(pred, labels, dl, dpred, b, C);
      break;
    case LossKind::categorical_crossentropy:
      cpu::weighted_sum_backward(g, w, dl, b, scale);
      if (h.from_logits)
        cpu::softmax_xent_backward(scratch, target, pred, dl, dpred, nullptr, b, C);
      else cpu::prob_xent_backward(pred, target, dl, dpred, nullptr, b, C);
      break;
    case LossKind::binary_crossentropy: {
      cpu::weighted_sum_backward(g, w, dl, b, scale);
      float inv = 1.f / static_cast<float>(C);
      for (int64_t r = 0; r < b; ++r)
        for (int64_t c = 0; c < C; ++c) scratch[r * C + c] = dl[r] * inv;
      if (h.from_logits) cpu::binary_xent_logits_backward(pred, target, scratch, dpred, nullptr, n);
      else cpu::binary_xent_backward(pred, target, scratch, dpred, nullptr, n);
      break;
    }
    case LossKind::point:
      cpu::point_loss_backward(h.point, w, static_cast<float>(g * scale), target, pred, dpred,
                               b, C, h.param);
      break;
  }
  return value;
}

void check_confusion_metric(const MetricSpec& m, const HeadSpec& h, size_t index) {
  PFF_CHECK(!sparse_targets(h), "[program] confusion metric ", index,
            " needs targets shaped like the predictions, not class indices.");
  check_float32(m.thresholds, "program", "thresholds");
  PFF_CHECK(m.thresholds.ndim() == 1, "[program] confusion metric ", index,
            " needs 1-D thresholds, got shape ", shape_str(m.thresholds.shape()), ".");
  for (const Tensor* t : {&m.tp, &m.fp, &m.tn, &m.fn}) {
    if (t->raw() == nullptr) continue;
    check_float32(*t, "program", "confusion count");
    PFF_CHECK(t->numel() == m.thresholds.numel(), "[program] confusion metric ", index,
              " has a count of shape ", shape_str(t->shape()), " for ",
              m.thresholds.numel(), " thresholds.");
  }
}

void metric_update(const MetricSpec& m, const HeadSpec& h, const float* pred, int64_t b,
                   int64_t C, HeadBuffers& buf, double* sums) {
  using K = AccuracyKind;
  const float* w = m.weighted && buf.has_weights ? buf.weights.f32() : nullptr;
  if (m.confusion) {  // one weight per sample, C items each
    auto ptr = [](const Tensor& t) { return t.raw() ? t.f32() : nullptr; };
    cpu::confusion_update(buf.target.f32(), pred, b * C, w, C, m.thresholds.f32(),
                          m.thresholds.numel(), ptr(m.tp), ptr(m.fp), ptr(m.tn), ptr(m.fn));
    return;
  }
  cpu::MeanCounts c;
  if (m.point) {
    float* values = buf.dloss.f32();  // free until the next backward
    cpu::point_loss_forward(m.point_kind, buf.target.f32(), pred, values, b, C, 0.f);
    c = cpu::accuracy_counts<float>(K::values, nullptr, values, b, 1, 1, w, 1, 0.f, 0);
  } else {
    bool rowwise = m.accuracy == K::categorical || m.accuracy == K::sparse ||
                   m.accuracy == K::top_k || m.accuracy == K::sparse_top_k;
    int64_t items = rowwise ? b : b * C;
    int64_t cols = rowwise ? C : 1;
    int64_t per_sample = rowwise ? 1 : C;
    if (sparse_targets(h))
      c = cpu::accuracy_counts(m.accuracy, buf.labels.data<int64_t>(), pred, items, cols,
                               per_sample, w, per_sample, m.threshold, m.k);
    else
      c = cpu::accuracy_counts(m.accuracy, buf.target.f32(), pred, items, cols, per_sample, w,
                               per_sample, m.threshold, m.k);
  }
  sums[0] += static_cast<float>(c.total);
  sums[1] += static_cast<float>(c.count);
}

}  // namespace pyfastfit::program
