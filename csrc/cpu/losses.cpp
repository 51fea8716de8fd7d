// Fused point losses. Formulas follow keras/src/losses/losses.py (Keras 3); epsilon is
// Keras's backend.epsilon() = 1e-7.
#include "cpu/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/simd.h"
#include "cpu/vmath.h"

namespace pyfastfit::cpu {
namespace {

constexpr float kEps = 1e-7f;
constexpr float kLog2 = 0.69314718055994531f;
constexpr int64_t kGrain = 1 << 15;  // elements per thread before splitting pays

bool labels_are_binary(const float* t, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (t[i] != 0.f && t[i] != 1.f) return false;
  return true;
}

#define PFF_INLINE inline __attribute__((always_inline))

struct Consts {
  float param;   // Huber's delta
  bool hinge01;  // hinge labels given as {0, 1}: map to {-1, 1}
};

PFF_INLINE float sgnf(float d) { return d > 0.f ? 1.f : (d < 0.f ? -1.f : 0.f); }

// Per-element loss f(t, p) and df/dp for loss K; `if constexpr` keeps each row loop
// branch-free so it vectorises.
template <PointLoss K>
PFF_INLINE float fk(float t, float p, const Consts& c) {
  if constexpr (K == PointLoss::mse) {
    float d = p - t;
    return d * d;
  } else if constexpr (K == PointLoss::mae) {
    return std::fabs(p - t);
  } else if constexpr (K == PointLoss::mape) {
    return 100.f * std::fabs((t - p) / std::max(std::fabs(t), kEps));
  } else if constexpr (K == PointLoss::msle) {
    float d = log_f32(std::max(p, kEps) + 1.f) - log_f32(std::max(t, kEps) + 1.f);
    return d * d;
  } else if constexpr (K == PointLoss::huber) {
    float e = p - t, a = std::fabs(e);
    return a <= c.param ? 0.5f * e * e : c.param * a - 0.5f * c.param * c.param;
  } else if constexpr (K == PointLoss::log_cosh) {
    // x + softplus(-2x) - log 2 = |x| + log(1 + exp(-2|x|)) - log 2
    float a = std::fabs(p - t);
    return a + log_f32(1.f + exp_f32(-2.f * a)) - kLog2;
  } else if constexpr (K == PointLoss::hinge) {
    float y = c.hinge01 ? 2.f * t - 1.f : t;
    return std::max(1.f - y * p, 0.f);
  } else if constexpr (K == PointLoss::squared_hinge) {
    float y = c.hinge01 ? 2.f * t - 1.f : t;
    float m = std::max(1.f - y * p, 0.f);
    return m * m;
  } else {  // poisson
    return p - t * log_f32(p + kEps);
  }
}

template <PointLoss K>
PFF_INLINE float dfk(float t, float p, const Consts& c) {
  if constexpr (K == PointLoss::mse) {
    return 2.f * (p - t);
  } else if constexpr (K == PointLoss::mae) {
    return sgnf(p - t);
  } else if constexpr (K == PointLoss::mape) {
    return 100.f * sgnf(p - t) / std::max(std::fabs(t), kEps);
  } else if constexpr (K == PointLoss::msle) {
    float d = log_f32(p + 1.f) - log_f32(std::max(t, kEps) + 1.f);
    return p < kEps ? 0.f : 2.f * d / (p + 1.f);
  } else if constexpr (K == PointLoss::huber) {
    float e = p - t;
    float lin = e > 0.f ? c.param : -c.param;
    return std::fabs(e) <= c.param ? e : lin;
  } else if constexpr (K == PointLoss::log_cosh) {
    return tanh_f32(p - t);
  } else if constexpr (K == PointLoss::hinge) {
    float y = c.hinge01 ? 2.f * t - 1.f : t;
    return 1.f - y * p >= 0.f ? -y : 0.f;
  } else if constexpr (K == PointLoss::squared_hinge) {
    float y = c.hinge01 ? 2.f * t - 1.f : t;
    float m = std::max(1.f - y * p, 0.f);
    return -2.f * m * y;
  } else {  // poisson
    return 1.f - t / (p + kEps);
  }
}

template <PointLoss K>
PFF_INLINE void rows_forward_k(const Consts& c, const float* t, const float* p, float* out,
                               int64_t r0, int64_t r1, int64_t cols) {
  float inv = cols ? 1.f / static_cast<float>(cols) : 0.f;
  int64_t c8 = cols & ~int64_t{7};
  for (int64_t r = r0; r < r1; ++r) {
    const float* tr = t + r * cols;
    const float* pr = p + r * cols;
    float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
    for (int64_t j = 0; j < c8; j += 8)
      for (int l = 0; l < 8; ++l) acc[l] += fk<K>(tr[j + l], pr[j + l], c);
    float s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (int64_t j = c8; j < cols; ++j) s += fk<K>(tr[j], pr[j], c);
    out[r] = s * inv;
  }
}

template <PointLoss K>
PFF_INLINE void rows_backward_k(const Consts& c, const float* rowcoef, float coef,
                                const float* t, const float* p, float* dp, int64_t r0,
                                int64_t r1, int64_t cols) {
  float inv = cols ? coef / static_cast<float>(cols) : 0.f;
  for (int64_t r = r0; r < r1; ++r) {
    float m = rowcoef ? rowcoef[r] * inv : inv;
    const float* tr = t + r * cols;
    const float* pr = p + r * cols;
    float* dr = dp + r * cols;
    for (int64_t j = 0; j < cols; ++j) dr[j] = m * dfk<K>(tr[j], pr[j], c);
  }
}

#define PFF_POINT_DISPATCH(k, CALL)                                        \
  switch (k) {                                                             \
    case PointLoss::mse: CALL(PointLoss::mse); break;                      \
    case PointLoss::mae: CALL(PointLoss::mae); break;                      \
    case PointLoss::mape: CALL(PointLoss::mape); break;                    \
    case PointLoss::msle: CALL(PointLoss::msle); break;                    \
    case PointLoss::huber: CALL(PointLoss::huber); break;                  \
    case PointLoss::log_cosh: CALL(PointLoss::log_cosh); break;            \
    case PointLoss::hinge: CALL(PointLoss::hinge); break;                  \
    case PointLoss::squared_hinge: CALL(PointLoss::squared_hinge); break;  \
    case PointLoss::poisson: CALL(PointLoss::poisson); break;              \
  }

struct Elem {
  PointLoss k;
  Consts c;
};

Elem make_elem(PointLoss k, const float* t, int64_t n, float param) {
  bool h = (k == PointLoss::hinge || k == PointLoss::squared_hinge) && labels_are_binary(t, n);
  return Elem{k, Consts{param, h}};
}

PFF_HOT void rows_forward(const Elem& e, const float* t, const float* p, float* out,
                          int64_t r0, int64_t r1, int64_t cols) {
#define PFF_CALL(K) rows_forward_k<K>(e.c, t, p, out, r0, r1, cols)
  PFF_POINT_DISPATCH(e.k, PFF_CALL)
#undef PFF_CALL
}

PFF_HOT void rows_backward(const Elem& e, const float* rowcoef, float coef, const float* t,
                           const float* p, float* dp, int64_t r0, int64_t r1, int64_t cols) {
#define PFF_CALL(K) rows_backward_k<K>(e.c, rowcoef, coef, t, p, dp, r0, r1, cols)
  PFF_POINT_DISPATCH(e.k, PFF_CALL)
#undef PFF_CALL
}

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)); }

}  // namespace


void point_loss_forward(PointLoss k, const float* t, const float* p, float* out,
                        int64_t rows, int64_t cols, float param) {
  Elem e = make_elem(k, t, rows * cols, param);
  parallel_for(rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
    rows_forward(e, t, p, out, r0, r1, cols);
  });
}

void point_loss_backward(PointLoss k, const float* rowcoef, float coef, const float* t,
                         const float* p, float* dp, int64_t rows, int64_t cols, float param) {
  Elem e = make_elem(k, t, rows * cols, param);
  parallel_for(rows, row_grain(cols), [&](int64_t r0, int64_t r1) {
    rows_backward(e, rowcoef, coef, t, p, dp, r0, r1, cols);
  });
}

double point_loss_reduced(PointLoss k, const float* t, const float* p, const float* w,
                          int64_t rows, int64_t cols, float param, double scale) {
  Elem e = make_elem(k, t, rows * cols, param);
  // Fixed chunking (independent of the thread count) keeps the sum deterministic.
  constexpr int64_t kChunks = 16;
  int64_t nchunks = std::min<int64_t>(kChunks, std::max<int64_t>(rows, 1));
  double part[kChunks] = {0};
  auto body = [&](int64_t c0, int64_t c1) {
    float tmp[256];
    for (int64_t c = c0; c < c1; ++c) {
      int64_t b = rows * c / nchunks, end = rows * (c + 1) / nchunks;
      double s = 0.0;
      for (int64_t r = b; r < end; r += 256) {
        int64_t n = std::min<int64_t>(256, end - r);
        rows_forward(e, t + r * cols, p + r * cols, tmp, 0, n, cols);
        for (int64_t i = 0; i < n; ++i) s += w ? static_cast<double>(tmp[i]) * w[r + i] : tmp[i];
      }
      part[c] = s;
    }
  };
  if (rows * cols >= kGrain) parallel_for(nchunks, 1, body);
  else body(0, nchunks);
  double s = 0.0;
  for (int64_t c = 0; c < nchunks; ++c) s += part[c];
  return s * scale;
}

double weighted_sum(const float* v, const float* w, int64_t n, double scale) {
  double s = 0.0;
  if (w) for (int64_t i = 0; i < n; ++i) s += static_cast<double>(v[i]) * w[i];
  else for (int64_t i = 0; i < n; ++i) s += v[i];
  return s * scale;
}

void weighted_sum_backward(float g, const float* w, float* dv, int64_t n, double scale) {
  float m = static_cast<float>(g * scale);
  if (w) for (int64_t i = 0; i < n; ++i) dv[i] = m * w[i];
  else std::fill(dv, dv + n, m);
}

}  // namespace pyfastfit::cpu
