// Metric accumulators. Semantics follow keras/src/metrics/accuracy_metrics.py,
// reduce_to_samplewise_values and metrics_utils.update_confusion_matrix_variables.
#include "cpu/metrics.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

inline int64_t argmax_row(const float* p, int64_t cols) {
  int64_t best = 0;
  float bv = p[0];
  for (int64_t c = 1; c < cols; ++c)
    if (p[c] > bv || (std::isnan(p[c]) && !std::isnan(bv))) { bv = p[c]; best = c; }
  return best;
}

// TF in_top_k: the target is in when fewer than k classes score strictly higher.
inline bool in_top_k(const float* p, int64_t cols, int64_t target, int64_t k) {
  if (target < 0 || target >= cols) return false;
  float v = p[target];
  if (!std::isfinite(v)) return false;
  int64_t higher = 0;
  for (int64_t c = 0; c < cols; ++c) higher += p[c] > v;
  return higher < k;
}

template <typename L>
inline float match(AccuracyKind kind, const L* t, const float* p, int64_t r, int64_t cols,
                   float threshold, int64_t k) {
  switch (kind) {
    case AccuracyKind::values: return p[r];
    case AccuracyKind::exact: return static_cast<float>(t[r]) == p[r] ? 1.f : 0.f;
    case AccuracyKind::binary:
      return static_cast<float>(t[r]) == (p[r] > threshold ? 1.f : 0.f) ? 1.f : 0.f;
    case AccuracyKind::categorical: {
      const float* pr = p + r * cols;
      // argmax over the row of y_true (float targets).
      int64_t tb = 0;
      const L* tr = t + r * cols;
      for (int64_t c = 1; c < cols; ++c)
        if (static_cast<float>(tr[c]) > static_cast<float>(tr[tb])) tb = c;
      return tb == argmax_row(pr, cols) ? 1.f : 0.f;
    }
    case AccuracyKind::sparse:
      return static_cast<float>(t[r]) == static_cast<float>(argmax_row(p + r * cols, cols))
                 ? 1.f : 0.f;
    case AccuracyKind::top_k: {
      const L* tr = t + r * cols;
      int64_t tb = 0;
      for (int64_t c = 1; c < cols; ++c)
        if (static_cast<float>(tr[c]) > static_cast<float>(tr[tb])) tb = c;
      return in_top_k(p + r * cols, cols, tb, k) ? 1.f : 0.f;
    }
    case AccuracyKind::sparse_top_k: {
      double lv = static_cast<double>(t[r]);
      if (!std::isfinite(lv)) return 0.f;
      return in_top_k(p + r * cols, cols, static_cast<int64_t>(lv), k) ? 1.f : 0.f;
    }
  }
  return 0.f;
}

}  // namespace

template <typename L>
MeanCounts accuracy_counts(AccuracyKind kind, const L* y_true, const float* y_pred,
                           int64_t rows, int64_t cols, int64_t per_sample, const float* w,
                           int64_t w_div, float threshold, int64_t k) {
  MeanCounts out;
  per_sample = std::max<int64_t>(per_sample, 1);
  w_div = std::max<int64_t>(w_div, 1);
  double tot = 0.0, cnt = 0.0;
  if (w) {
    for (int64_t r = 0; r < rows; ++r) {
      double wi = w[r / w_div];
      tot += wi * match(kind, y_true, y_pred, r, cols, threshold, k);
      cnt += wi;
    }
  } else {
    for (int64_t r = 0; r < rows; ++r) tot += match(kind, y_true, y_pred, r, cols, threshold, k);
    cnt = static_cast<double>(rows);
  }
  out.total = tot / static_cast<double>(per_sample);
  out.count = cnt / static_cast<double>(per_sample);
  return out;
}

template <typename L>
void accuracy_matches(AccuracyKind kind, const L* y_true, const float* y_pred, int64_t rows,
                      int64_t cols, float threshold, int64_t k, float* out) {
  for (int64_t r = 0; r < rows; ++r) out[r] = match(kind, y_true, y_pred, r, cols, threshold, k);
}

template <typename L>
void confusion_update(const L* y_true, const float* y_pred, int64_t n, const float* w,
                      int64_t w_div, const float* thr, int64_t T, float* tp, float* fp,
                      float* tn, float* fn) {
  w_div = std::max<int64_t>(w_div, 1);
  bool sorted = std::is_sorted(thr, thr + T);
  if (sorted) {
    // hist[j]: weight of items with exactly j thresholds strictly below the prediction.
    std::vector<double> pos(T + 1, 0.0), neg(T + 1, 0.0);
    for (int64_t i = 0; i < n; ++i) {
      float p = y_pred[i];
      int64_t j = std::lower_bound(thr, thr + T, p) - thr;  // thr[0..j) < p
      if (std::isnan(p)) j = 0;
      double wi = w ? w[i / w_div] : 1.0;
      (y_true[i] != L(0) ? pos : neg)[j] += wi;
    }
    // Predicted positive at threshold t <=> j > t.
    double above_pos = 0.0, above_neg = 0.0, tot_pos = 0.0, tot_neg = 0.0;
    for (int64_t j = 0; j <= T; ++j) { tot_pos += pos[j]; tot_neg += neg[j]; }
    for (int64_t t = T - 1; t >= 0; --t) {
      above_pos += pos[t + 1];
      above_neg += neg[t + 1];
      if (tp) tp[t] += static_cast<float>(above_pos);
      if (fp) fp[t] += static_cast<float>(above_neg);
      if (fn) fn[t] += static_cast<float>(tot_pos - above_pos);
      if (tn) tn[t] += static_cast<float>(tot_neg - above_neg);
    }
    return;
  }
  std::vector<double> acc(4 * T, 0.0);
  for (int64_t i = 0; i < n; ++i) {
    double wi = w ? w[i / w_div] : 1.0;
    bool label = y_true[i] != L(0);
    for (int64_t t = 0; t < T; ++t) {
      bool pred = y_pred[i] > thr[t];
      acc[(label ? (pred ? 0 : 3) : (pred ? 1 : 2)) * T + t] += wi;
    }
  }
  float* outs[4] = {tp, fp, tn, fn};
  for (int q = 0; q < 4; ++q)
    if (outs[q])
      for (int64_t t = 0; t < T; ++t) outs[q][t] += static_cast<float>(acc[q * T + t]);
}

#define PFF_INSTANTIATE(L)                                                              \
  template MeanCounts accuracy_counts<L>(AccuracyKind, const L*, const float*, int64_t,  \
                                         int64_t, int64_t, const float*, int64_t, float, \
                                         int64_t);                                       \
  template void accuracy_matches<L>(AccuracyKind, const L*, const float*, int64_t, int64_t, \
                                    float, int64_t, float*);                             \
  template void confusion_update<L>(const L*, const float*, int64_t, const float*,      \
                                    int64_t, const float*, int64_t, float*, float*,     \
                                    float*, float*);
PFF_INSTANTIATE(float)
PFF_INSTANTIATE(int32_t)
PFF_INSTANTIATE(int64_t)
PFF_INSTANTIATE(uint8_t)
#undef PFF_INSTANTIATE

}  // namespace pyfastfit::cpu
