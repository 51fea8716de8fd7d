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

/** Adds the weighted TP/FP/TN/FN counts at each threshold (y_pred > t; label y_true != 0)
 * into the given (T,) accumulators; weights: one per element, or one per leading block. */
void confusion_update_(const std::optional<Tensor>& tp, const std::optional<Tensor>& fp,
                       const std::optional<Tensor>& tn, const std::optional<Tensor>& fn,
                       const Tensor& y_true, const Tensor& y_pred, const Tensor& thresholds,
                       const std::optional<Tensor>& weights);

}  // namespace pyfastfit
