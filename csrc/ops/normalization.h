// Op layer for BatchNormalization, LayerNormalization (rms_scaling too), GroupNormalization
// and UnitNormalization: checks dtypes and shapes,
// allocates outputs, dispatches to the device kernels. x is channels-last: its last
// axis holds the C features and every other axis counts as rows (R = numel / C).
#pragma once
#include <optional>
#include <tuple>

#include "core/tensor.h"

namespace pyfastfit {

/** (mean, var): per-feature mean and biased variance of x over every axis but the last,
 *  each of shape (C,). */
std::tuple<Tensor, Tensor> batch_norm_statistics(const Tensor& x);

/** dx of batch_norm_statistics from dmean and dvar (either may be absent). */
Tensor batch_norm_statistics_backward(const std::optional<Tensor>& dmean,
                                      const std::optional<Tensor>& dvar, const Tensor& x,
                                      const Tensor& mean);

/** (y, mean, var) in training: y normalized by x's own statistics, which are returned. */
std::tuple<Tensor, Tensor, Tensor> batch_norm_train_forward(
    const Tensor& x, const std::optional<Tensor>& gamma, const std::optional<Tensor>& beta,
    float epsilon);

/** y = (x - mean) / sqrt(var + epsilon) * gamma + beta with given (C,) statistics. */
Tensor batch_norm_forward(const Tensor& x, const Tensor& mean, const Tensor& var,
                          const std::optional<Tensor>& gamma,
                          const std::optional<Tensor>& beta, float epsilon);

/** (dx, dgamma, dbeta, dmean, dvar) of batch_norm_forward (batch_stats false) or of
 *  batch_norm_train_forward (true: the gradient flows through the statistics and
 *  dmean/dvar cannot be asked for); each is empty unless asked for. */
std::tuple<Tensor, Tensor, Tensor, Tensor, Tensor> batch_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& var,
    const std::optional<Tensor>& gamma, float epsilon, bool batch_stats, bool need_dx,
    bool need_dgamma, bool need_dbeta, bool need_dmean, bool need_dvar);

/** moving = moving * momentum + batch * (1 - momentum), in place; both (C,). */
void moving_average_update_(const Tensor& moving, const Tensor& batch, float momentum);

/** (y, mean, inv_std): each row of x normalized over its last axis, then * gamma + beta;
 *  mean and inv_std have x's shape without the last axis. */
std::tuple<Tensor, Tensor, Tensor> layer_norm_forward(const Tensor& x,
                                                      const std::optional<Tensor>& gamma,
                                                      const std::optional<Tensor>& beta,
                                                      float epsilon);

/** (dx, dgamma, dbeta) of layer_norm_forward; each is empty unless asked for. */
std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& inv_std,
    const std::optional<Tensor>& gamma, bool need_dx, bool need_dgamma, bool need_dbeta);

/** (y, mean, inv_std) of LayerNormalization with rms_scaling over the last axis:
 *  y = x * inv_std * gamma (no centering); mean and inv_std as in layer_norm_forward. */
std::tuple<Tensor, Tensor, Tensor> layer_norm_rms_forward(const Tensor& x,
                                                          const std::optional<Tensor>& gamma,
                                                          float epsilon);

/** (dx, dgamma) of layer_norm_rms_forward; each is empty unless asked for. */
std::tuple<Tensor, Tensor> layer_norm_rms_backward(const Tensor& dy, const Tensor& x,
                                                   const Tensor& mean, const Tensor& inv_std,
                                                   const std::optional<Tensor>& gamma,
                                                   bool need_dx, bool need_dgamma);

/** (y, sq): each row of x (over its last axis) divided by sqrt(max(sq, 1e-12)), sq its sum
 *  of squares (x's shape without the last axis). */
std::tuple<Tensor, Tensor> unit_norm_forward(const Tensor& x);

/** dx of unit_norm_forward. */
Tensor unit_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& sq);

/** (y, mean, inv_std) of GroupNormalization of channels-last x (batch, ..., C) with
 *  `groups` groups of channels: mean and inv_std have shape (batch, groups). */
std::tuple<Tensor, Tensor, Tensor> group_norm_forward(const Tensor& x,
                                                      const std::optional<Tensor>& gamma,
                                                      const std::optional<Tensor>& beta,
                                                      int64_t groups, float epsilon);

/** (dx, dgamma, dbeta) of group_norm_forward; each is empty unless asked for. */
std::tuple<Tensor, Tensor, Tensor> group_norm_backward(
    const Tensor& dy, const Tensor& x, const Tensor& mean, const Tensor& inv_std,
    const std::optional<Tensor>& gamma, int64_t groups, bool need_dx, bool need_dgamma,
    bool need_dbeta);

}  // namespace pyfastfit
