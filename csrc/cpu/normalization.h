// Fused BatchNormalization, LayerNormalization (rms_scaling too) and UnitNormalization
// kernels, float32, x viewed as (R, C):
// R rows (every axis but the normalized one(s)) of C features. BatchNormalization
// normalizes each channel c over the R rows; LayerNormalization each row over its C
// features. Sums are float32 but pairwise over fixed blocks of rows (never depending on
// the thread count), and variances are two-pass, so a large mean does not cancel.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** Per-channel mean(C) and biased variance(C) of x(R, C) over its R rows. */
void batch_norm_statistics(const float* x, int64_t R, int64_t C, float* mean, float* var);

/** y(R, C) = (x - mean) / sqrt(var + eps) * gamma + beta; gamma and beta may be null
 *  (no scale, no offset). */
void batch_norm_forward(const float* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, int64_t R,
                        int64_t C, float* y);

/** Gradients of batch_norm_forward from dy(R, C). batch_stats: mean and var are x's own
 *  statistics (training) and the gradient flows through them; otherwise they are
 *  constants. dgamma = sum(dy * xhat) and dbeta = sum(dy) over the rows; any of dx,
 *  dgamma, dbeta may be null (not computed), and so may gamma (scale 1). */
void batch_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* var, const float* gamma, float eps, int64_t R,
                         int64_t C, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta);

/** dx(R, C) of batch_norm_statistics from dmean(C) and dvar(C) (either may be null):
 *  dx = dmean / R + dvar * 2 (x - mean) / R. */
void batch_norm_statistics_backward(const float* dmean, const float* dvar, const float* x,
                                    const float* mean, int64_t R, int64_t C, float* dx);

/** moving(C) = moving * momentum + batch * (1 - momentum), in place (Keras's order). */
void moving_average_update(float* moving, const float* batch, float momentum, int64_t C);

/** y(R, C) = (x - mean_r) * inv_std_r * gamma + beta with each row's mean and
 *  inv_std = 1 / sqrt(biased var + eps); mean(R) and inv_std(R) are written when not
 *  null (backward needs them); gamma and beta may be null. */
void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        int64_t R, int64_t C, float* y, float* mean, float* inv_std);

/** Gradients of layer_norm_forward from dy(R, C), given its mean(R) and inv_std(R):
 *  dgamma(C) = sum over rows of dy * xhat, dbeta(C) = sum of dy; dx, dgamma, dbeta and
 *  gamma may be null. */
void layer_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* inv_std, const float* gamma, int64_t R, int64_t C,
                         float* dx, float* dgamma, float* dbeta);

/** LayerNormalization with rms_scaling=True (Keras's deprecated meaning: no centering,
 *  divided by the standard deviation): y(R, C) = x * inv_std_r * gamma, inv_std as in
 *  layer_norm_forward; mean(R) and inv_std(R) written when not null; gamma may be null. */
void layer_norm_rms_forward(const float* x, const float* gamma, float eps, int64_t R,
                            int64_t C, float* y, float* mean, float* inv_std);

/** Gradients of layer_norm_rms_forward from dy(R, C): with g = dy * gamma and
 *  xhat = (x - mean) * inv_std, dx = inv_std * (g - xhat * inv_std * mean(g * x)),
 *  dgamma(C) = sum over rows of dy * x * inv_std; dx, dgamma and gamma may be null. */
void layer_norm_rms_backward(const float* dy, const float* x, const float* mean,
                             const float* inv_std, const float* gamma, int64_t R, int64_t C,
                             float* dx, float* dgamma);

/** UnitNormalization: y(R, C) = x / sqrt(max(sq, 1e-12)) with sq(R) = each row's sum of
 *  squares (written when not null). */
void unit_norm_forward(const float* x, int64_t R, int64_t C, float* y, float* sq);

/** dx(R, C) of unit_norm_forward from dy(R, C) and its sq(R). */
void unit_norm_backward(const float* dy, const float* x, const float* sq, int64_t R,
                        int64_t C, float* dx);

}  // namespace pyfastfit::cpu
