// Op layer for the fused point losses (MSE, MAE, MAPE, MSLE, Huber, LogCosh, hinges,
// Poisson) and the weighted loss reduction.
#pragma once
#include <optional>
#include <string>

#include "core/tensor.h"

namespace pyfastfit {

/** Per-sample loss mean_{last axis} f(y_true, y_pred); shape y_pred.shape[:-1]. */
Tensor point_loss_forward(const std::string& loss, const Tensor& y_true, const Tensor& y_pred,
                          float param);
/** d(sum(dout * loss)) / d(y_pred) for point_loss_forward. */
Tensor point_loss_backward(const std::string& loss, const Tensor& dout, const Tensor& y_true,
                           const Tensor& y_pred, float param);
/** Scalar scale * sum_r w[r] * loss[r] in one pass; w has one weight per sample or is None. */
Tensor point_loss_reduced_forward(const std::string& loss, const Tensor& y_true,
                                  const Tensor& y_pred, const std::optional<Tensor>& weights,
                                  float param, double scale);
/** d(dout * point_loss_reduced_forward) / d(y_pred); dout is a scalar tensor. */
Tensor point_loss_reduced_backward(const std::string& loss, const Tensor& dout,
                                   const Tensor& y_true, const Tensor& y_pred,
                                   const std::optional<Tensor>& weights, float param,
                                   double scale);
/** Scalar scale * sum(values * weights) (weights: same shape as values, or None). */
Tensor weighted_sum_forward(const Tensor& values, const std::optional<Tensor>& weights,
                            double scale);
/** d(dout * weighted_sum_forward) / d(values). */
Tensor weighted_sum_backward(const Tensor& dout, const std::optional<Tensor>& weights,
                             const Tensor& values, double scale);

}  // namespace pyfastfit
