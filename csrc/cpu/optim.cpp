// Optimizer update kernels (Keras 3 formulas, see keras/src/optimizers/*.py). Every
// kernel is one pass over the variable: read g, clip it, decay p, update the slots and p.
#include "cpu/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

// Updates are memory-bound (~5 streams of floats): split only variables large enough
// to pay for a fork-join of the caller-runs pool (a few us).
constexpr int64_t kGrain = 1 << 14;

inline float xg(float g, const GradXform& x) {
  return std::min(std::max(g * x.scale, -x.clip), x.clip);
}

// An update writes every line of p. Lines another core read since the last update are
// shared (the forward's GEMMs read the whole kernel on both cores), and a store to one
// waits until the other core's copy is invalidated: inside the update loop those waits
// stall the square roots and divisions behind them (W1's fused RMSprop of its 784x64
// kernel on two cores: 18-20 us for each core's 25k elements, 7.3 us when repeated at
// once, ~15 us for all 50k on one core). Writing back one float per line kClaimAhead
// floats ahead of the arithmetic starts those invalidations early, overlapped with it:
// 10-11 us (W1 epoch medians of 10 alternated in one process 98.1 -> 93.9 ms, W6
// 102.1 -> 98.7, W7's 64-384-384-10 with Adam 72.3 -> 69.2). A prefetchw does nothing
// (the lines are present, only shared); claiming the slots' lines too was slower. Only
// inside a parallel region (the Program's fused updates, the eager optimizer's one range
// over all variables), where each core updates the share it was handed after both read
// the kernel: an update that splits itself follows a forward on one core (W1's step at
// batch 1), whose lines a claim would fetch twice (load, then store): 27.9 -> 32.7 us.
constexpr int64_t kClaimBlock = 256;
constexpr int64_t kClaimAhead = 512;

/** Stores p[i]'s own value back for one float per 64-byte line of [b, e): takes the
 *  lines for writing without changing a value (no other thread writes this range). */
inline void claim_lines(float* p, int64_t b, int64_t e) {
  volatile float* vp = p;
  for (int64_t i = b; i < e; i += 16) vp[i] = vp[i];
}

/** Calls f(b, e) over [0, n): split over the pool, or (inside a parallel region, this
 *  core's share) in blocks of kClaimBlock with p's lines claimed kClaimAhead floats
 *  ahead (see above). */
template <typename F>
void chunked(float* p, int64_t n, F&& f) {
  if (!in_parallel()) {
    parallel_for(n, kGrain, [&](int64_t b, int64_t e) { f(b, e); });
    return;
  }
  claim_lines(p, 0, std::min(n, kClaimAhead));
  for (int64_t k = 0; k < n; k += kClaimBlock) {
    const int64_t ke = std::min(n, k + kClaimBlock);
    claim_lines(p, std::min(n, k + kClaimAhead), std::min(n, ke + kClaimAhead));
    f(k, ke);
  }
}

PFF_HOT double sum_squares_range(const float* g, int64_t n) {
  // Four float partials per 64-element block keep the loop vectorised; blocks are
  // summed in double so the norm of a large tensor stays accurate.
  double total = 0.0;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    float s = 0.f;
    for (int64_t j = 0; j < 64; ++j) s += g[i + j] * g[i + j];
    total += s;
  }
  for (; i < n; ++i) total += static_cast<double>(g[i]) * g[i];
  return total;
}

PFF_HOT void sgd_range(float* p, const float* g, float* m, int64_t n, float lr,
                       float momentum, bool nesterov, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    if (m) {
      float mi = m[i] * momentum - gi * lr;
      m[i] = mi;
      pi += nesterov ? mi * momentum - gi * lr : mi;
    } else {
      pi -= gi * lr;
    }
    p[i] = pi;
  }
}

PFF_HOT void rmsprop_range(float* p, const float* g, float* v, float* avg, float* mom,
                           int64_t n, float lr, float rho, float one_minus_rho,
                           float momentum, float epsilon, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    float vi = rho * v[i] + one_minus_rho * (gi * gi);
    v[i] = vi;
    float den;
    if (avg) {
      float ai = rho * avg[i] + one_minus_rho * gi;
      avg[i] = ai;
      den = vi - ai * ai + epsilon;
    } else {
      den = vi + epsilon;
    }
    float inc = lr * gi / std::sqrt(den);
    if (mom) {
      float mo = momentum * mom[i] + inc;
      mom[i] = mo;
      pi -= mo;
    } else {
      pi -= inc;
    }
    p[i] = pi;
  }
}

PFF_HOT void adam_range(float* p, const float* g, float* m, float* v, float* vhat,
                        int64_t n, float alpha, float one_minus_b1, float one_minus_b2,
                        float epsilon, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    float mi = m[i] + (gi - m[i]) * one_minus_b1;
    float vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
    m[i] = mi;
    v[i] = vi;
    if (vhat) {
      vi = std::max(vhat[i], vi);
      vhat[i] = vi;
    }
    p[i] = pi - (mi * alpha) / (std::sqrt(vi) + epsilon);
  }
}

PFF_HOT void adagrad_range(float* p, const float* g, float* acc, int64_t n, float lr,
                           float epsilon, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    float ai = acc[i] + gi * gi;
    acc[i] = ai;
    p[i] = pi - (lr * gi) / std::sqrt(ai + epsilon);
  }
}

PFF_HOT void adamax_range(float* p, const float* g, float* m, float* u, int64_t n,
                          float lr, float one_minus_b1t, float one_minus_b1, float beta_2,
                          float epsilon, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    float mi = m[i] + (gi - m[i]) * one_minus_b1;
    float ui = std::max(beta_2 * u[i], std::fabs(gi));
    m[i] = mi;
    u[i] = ui;
    p[i] = pi - (lr * mi) / (one_minus_b1t * (ui + epsilon));
  }
}

PFF_HOT void nadam_range(float* p, const float* g, float* m, float* v, int64_t n,
                         float lr, float cm, float cg, float cv, float one_minus_b1,
                         float one_minus_b2, float epsilon, GradXform x) {
  for (int64_t i = 0; i < n; ++i) {
    float gi = xg(g[i], x);
    float pi = p[i] - p[i] * x.decay;
    float mi = m[i] + (gi - m[i]) * one_minus_b1;
    float vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
    m[i] = mi;
    v[i] = vi;
    float m_hat = cm * mi + cg * gi;
    float v_hat = vi * cv;
    p[i] = pi - (m_hat * lr) / (std::sqrt(v_hat) + epsilon);
  }
}

}  // namespace

double sum_squares(const float* g, int64_t n) {
  if (n < 4 * kGrain || get_num_threads() <= 1) return sum_squares_range(g, n);
  std::vector<double> part(static_cast<size_t>(get_num_threads()), 0.0);
  int64_t chunks = static_cast<int64_t>(part.size());
  parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
      part[c] = sum_squares_range(g + lo, hi - lo);
    }
  });
  double s = 0.0;
  for (double v : part) s += v;
  return s;
}

float clip_scale(double norm, float clipnorm) {
  if (!std::isfinite(norm)) return NAN;
  return static_cast<float>(clipnorm / std::max(norm, static_cast<double>(clipnorm)));
}

void sgd_update_(float* p, const float* g, float* m, int64_t n, float lr, float momentum,
                 bool nesterov, GradXform x) {
  chunked(p, n, [&](int64_t b, int64_t e) {
    sgd_range(p + b, g + b, m ? m + b : nullptr, e - b, lr, momentum, nesterov, x);
  });
}

void rmsprop_update_(float* p, const float* g, float* v, float* avg, float* mom, int64_t n,
                     float lr, float rho, float momentum, float epsilon, GradXform x) {
  float omr = static_cast<float>(1.0 - static_cast<double>(rho));
  chunked(p, n, [&](int64_t b, int64_t e) {
    rmsprop_range(p + b, g + b, v + b, avg ? avg + b : nullptr, mom ? mom + b : nullptr,
                  e - b, lr, rho, omr, momentum, epsilon, x);
  });
}

void adam_update_(float* p, const float* g, float* m, float* v, float* vhat, int64_t n,
                  float alpha, float beta_1, float beta_2, float epsilon, GradXform x) {
  float omb1 = static_cast<float>(1.0 - static_cast<double>(beta_1));
  float omb2 = static_cast<float>(1.0 - static_cast<double>(beta_2));
  chunked(p, n, [&](int64_t b, int64_t e) {
    adam_range(p + b, g + b, m + b, v + b, vhat ? vhat + b : nullptr, e - b, alpha, omb1,
               omb2, epsilon, x);
  });
}

void adagrad_update_(float* p, const float* g, float* acc, int64_t n, float lr,
                     float epsilon, GradXform x) {
  chunked(p, n, [&](int64_t b, int64_t e) {
    adagrad_range(p + b, g + b, acc + b, e - b, lr, epsilon, x);
  });
}

void adamax_update_(float* p, const float* g, float* m, float* u, int64_t n, float lr,
                    float one_minus_b1t, float beta_1, float beta_2, float epsilon,
                    GradXform x) {
  float omb1 = static_cast<float>(1.0 - static_cast<double>(beta_1));
  chunked(p, n, [&](int64_t b, int64_t e) {
    adamax_range(p + b, g + b, m + b, u + b, e - b, lr, one_minus_b1t, omb1, beta_2,
                 epsilon, x);
  });
}

void nadam_update_(float* p, const float* g, float* m, float* v, int64_t n, float lr,
                   float cm, float cg, float cv, float beta_1, float beta_2,
                   float epsilon, GradXform x) {
  float omb1 = static_cast<float>(1.0 - static_cast<double>(beta_1));
  float omb2 = static_cast<float>(1.0 - static_cast<double>(beta_2));
  chunked(p, n, [&](int64_t b, int64_t e) {
    nadam_range(p + b, g + b, m + b, v + b, e - b, lr, cm, cg, cv, omb1, omb2, epsilon, x);
  });
}

}  // namespace pyfastfit::cpu
