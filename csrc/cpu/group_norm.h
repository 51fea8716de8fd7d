// GroupNormalization kernels, float32, channels-last: x viewed as (N, P, C), N samples of
// P positions (every axis between the batch and the channels), C channels split into G
// groups of C / G consecutive channels. Each (sample, group) is normalized over its
// P * C / G values with their mean and biased variance; gamma and beta are per channel.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** y(N, P, C) = (x - mean) * inv_std * gamma + beta per (sample, group), with
 *  inv_std = 1 / sqrt(var + eps); mean(N, G) and inv_std(N, G) are written when not null;
 *  gamma and beta (C) may be null. G must divide C. */
void group_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        int64_t N, int64_t P, int64_t C, int64_t G, float* y, float* mean,
                        float* inv_std);

/** Gradients of group_norm_forward from dy(N, P, C), given its mean and inv_std:
 *  dgamma(C) = sum of dy * xhat over samples and positions, dbeta(C) = sum of dy; dx,
 *  dgamma, dbeta and gamma may be null. */
void group_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* inv_std, const float* gamma, int64_t N, int64_t P,
                         int64_t C, int64_t G, float* dx, float* dgamma, float* dbeta);

}  // namespace pyfastfit::cpu
