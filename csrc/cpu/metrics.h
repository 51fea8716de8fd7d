// Metric accumulators: weighted accuracy counts and thresholded confusion counts, in one
// pass over a batch. Raw pointers, shared by the eager metrics and the fast path.
#pragma once
#include "core/kinds.h"
#include <cstdint>

namespace pyfastfit::cpu {

using ::pyfastfit::AccuracyKind;  // core/kinds.h

/** Weighted sums of one batch: total = sum_i v_i * w_i / per_sample, count likewise
 * (Keras `Mean` over per-sample means). */
struct MeanCounts {
  double total = 0.0;
  double count = 0.0;
};

/**
 * Accumulates the per-item match values of `kind` with weights.
 * y_pred: `rows x cols` (cols = classes for the row kinds; 1 item per element otherwise,
 * then rows = number of elements and cols = 1). y_true: one label per item for sparse
 * kinds, else the same size as y_pred; element type L.
 * Items are grouped `per_sample` to a sample; `w` (nullable) holds one weight per
 * `w_div` consecutive items. Without weights count = number of samples.
 */
template <typename L>
MeanCounts accuracy_counts(AccuracyKind kind, const L* y_true, const float* y_pred,
                           int64_t rows, int64_t cols, int64_t per_sample, const float* w,
                           int64_t w_div, float threshold, int64_t k);

/** The per-item match values of `kind` (accuracy_counts' v_i, 0 or 1; the value itself
 * for "values") into out[0, rows). Same layout as accuracy_counts. */
template <typename L>
void accuracy_matches(AccuracyKind kind, const L* y_true, const float* y_pred, int64_t rows,
                      int64_t cols, float threshold, int64_t k, float* out);

/**
 * Adds the weighted confusion counts of `n` predictions at each of `num_thresholds`
 * thresholds: an item is predicted positive at threshold t when y_pred > t, and is a true
 * positive when y_true != 0. Output arrays (each nullable, length num_thresholds) are
 * accumulated in place. Sorted thresholds use a histogram (n log T); others n * T.
 */
template <typename L>
void confusion_update(const L* y_true, const float* y_pred, int64_t n, const float* w,
                      int64_t w_div, const float* thresholds, int64_t num_thresholds,
                      float* tp, float* fp, float* tn, float* fn);

}  // namespace pyfastfit::cpu
