// Op layer for the metric accumulators (cpu/metrics.h): in-place updates of metric
// state tensors (the storage of the metric's Variables).
#pragma once
#include <optional>
#include <string>

#include "core/tensor.h"

namespace pyfastfit {

/** total += sum(v * w) / per_sample, count += sum(w) / per_sample (count += samples when
 * unweighted), v the match values of `kind` ("values", "exact", "binary", "categorical",
 * "sparse", "top_k", "sparse_top_k"); weights: one per item or one per sample. */
void accuracy_update_(Tensor& total, Tensor& count, const std::optional<Tensor>& y_true,
                      const Tensor& y_pred, const std::optional<Tensor>& weights,
                      const std::string& kind, float threshold, int64_t k);

/** The per-item match values (0/1, float32, shaped like the items: y_pred's shape, or its
 * leading shape for the class kinds) of an accuracy `kind` other than "values". */
Tensor accuracy_matches(const Tensor& y_true, const Tensor& y_pred, const std::string& kind,
                        float threshold, int64_t k);

/** total += sum(values * w) (float64 accumulation), w broadcast over trailing values:
 * `weights` holds one weight per value, per leading block (e.g. per sample) or one in all.
 * Keras `Sum` after reduce_to_samplewise_values. */
void sum_update_(const Tensor& total, const Tensor& values, const std::optional<Tensor>& weights);

/** A new float32 tensor total / count elementwise, 0 where count == 0 (Keras
 * divide_no_nan; count has total's shape), or a copy of total when there is no count. */
Tensor mean_result(const Tensor& total, const std::optional<Tensor>& count);

/** Adds the weighted TP/FP/TN/FN counts at each threshold (y_pred > t; label y_true != 0)
 * into the given (T,) accumulators; weights: one per element, or one per leading block. */
void confusion_update_(const std::optional<Tensor>& tp, const std::optional<Tensor>& fp,
                       const std::optional<Tensor>& tn, const std::optional<Tensor>& fn,
                       const Tensor& y_true, const Tensor& y_pred, const Tensor& thresholds,
                       const std::optional<Tensor>& weights);

}  // namespace pyfastfit
