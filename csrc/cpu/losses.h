// Fused regression/hinge losses: the per-sample mean over the last axis of an
// elementwise f(y_true, y_pred), forward and backward in one pass each. Raw pointers,
// shared by the eager ops and the fast-path programs.
#pragma once
#include "core/kinds.h"
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

using ::pyfastfit::PointLoss;  // core/kinds.h

/** out[r] = mean_c f(t[r, c], p[r, c]) for `rows` x `cols`; `param` is Huber's delta.
 * Hinge losses map {0, 1} labels to {-1, 1} when every label is 0 or 1 (as Keras). */
void point_loss_forward(PointLoss k, const float* t, const float* p, float* out,
                        int64_t rows, int64_t cols, float param);

/** dp[r, c] = coef * (rowcoef ? rowcoef[r] : 1) / cols * df/dp(t[r, c], p[r, c]). */
void point_loss_backward(PointLoss k, const float* rowcoef, float coef, const float* t,
                         const float* p, float* dp, int64_t rows, int64_t cols, float param);

/** scale * sum_r w[r] * mean_c f(t, p) (w may be null: all ones), accumulated in double. */
double point_loss_reduced(PointLoss k, const float* t, const float* p, const float* w,
                          int64_t rows, int64_t cols, float param, double scale);

/** scale * sum_i v[i] * (w ? w[i] : 1), accumulated in double. */
double weighted_sum(const float* v, const float* w, int64_t n, double scale);

/** dv[i] = g * scale * (w ? w[i] : 1). */
void weighted_sum_backward(float g, const float* w, float* dv, int64_t n, double scale);

}  // namespace pyfastfit::cpu
