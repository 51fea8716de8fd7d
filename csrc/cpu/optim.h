// Optimizer update kernels on raw float pointers, in place, matching Keras 3's update
// formulas. Each kernel updates one variable; gradients are transformed on the fly
// (clipping) and weight decay is folded in, so the caller never copies a gradient.
#pragma once
#include <cmath>
#include <cstdint>

namespace pyfastfit::cpu {

/** Per-variable gradient transform applied while reading g: clamp(g * scale, -clip, clip).
 *  `decay` is weight_decay * learning_rate: the variable first loses p * decay (Keras). */
struct GradXform {
  float scale = 1.f;
  float clip = INFINITY;
  float decay = 0.f;
};

/** sum(g^2) in double (for clipnorm / global_clipnorm). */
double sum_squares(const float* g, int64_t n);

/** The factor clipnorm applies to a gradient with L2 norm `norm`: c / max(norm, c);
 *  NaN when norm is not finite (as Keras's clip_by_global_norm). */
float clip_scale(double norm, float clipnorm);

/** SGD: m = momentum*m - lr*g; p += m (nesterov: p += momentum*m - lr*g); no m: p -= lr*g.
 *  m may be null when momentum == 0. */
void sgd_update_(float* p, const float* g, float* m, int64_t n, float lr, float momentum,
                 bool nesterov, GradXform x);

/** RMSprop: v = rho*v + (1-rho)*g^2; centered: a = rho*a + (1-rho)*g, den = v - a^2 + eps,
 *  else den = v + eps; inc = lr*g/sqrt(den); momentum: mo = momentum*mo + inc, p -= mo;
 *  else p -= inc. `avg` (centered) and `mom` (momentum > 0) may be null. */
void rmsprop_update_(float* p, const float* g, float* v, float* avg, float* mom, int64_t n,
                     float lr, float rho, float momentum, float epsilon, GradXform x);

/** Adam: m += (g-m)(1-b1); v += (g^2-v)(1-b2); amsgrad: vh = max(vh, v), v = vh;
 *  p -= m*alpha / (sqrt(v) + eps) with alpha = lr*sqrt(1-b2^t)/(1-b1^t). vhat may be null. */
void adam_update_(float* p, const float* g, float* m, float* v, float* vhat, int64_t n,
                  float alpha, float beta_1, float beta_2, float epsilon, GradXform x);

/** Adagrad: acc += g^2; p -= lr*g / sqrt(acc + eps). */
void adagrad_update_(float* p, const float* g, float* acc, int64_t n, float lr,
                     float epsilon, GradXform x);

/** Adamax: m += (g-m)(1-b1); u = max(b2*u, |g|); p -= lr*m / ((1-b1^t)(u + eps)). */
void adamax_update_(float* p, const float* g, float* m, float* u, int64_t n, float lr,
                    float one_minus_b1t, float beta_1, float beta_2, float epsilon,
                    GradXform x);

/** Nadam: m += (g-m)(1-b1); v += (g^2-v)(1-b2); m_hat = cm*m + cg*g, v_hat = v*cv;
 *  p -= m_hat*lr / (sqrt(v_hat) + eps), with cm = u_{t+1}/(1-prod_{t+1}),
 *  cg = (1-u_t)/(1-prod_t), cv = 1/(1-b2^t) computed by the caller. */
void nadam_update_(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                   float cm, float cg, float cv, float beta_1, float beta_2,
                   float epsilon, GradXform x);

}  // namespace pyfastfit::cpu
