// Fused point losses. Formulas follow keras/src/losses/losses.py (Keras 3); epsilon is
// Keras's backend.epsilon() = 1e-7.
#include "cpu/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr float kEps = 1e-7f;
constexpr float kLog2 = 0.69314718055994531f;
constexpr int64_t kGrain = 1 << 15;  // elements per thread before splitting pays

inline float softplusf(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

bool labels_are_binary(const float* t, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (t[i] != 0.f && t[i] != 1.f) return false;
  return true;
}

// Per-element loss and its derivative with respect to p. `sgn` flips {0,1} hinge labels.
struct Elem {
  PointLoss k;
  float param;
  bool hinge01;

  inline float hinge_label(float t) const { return hinge01 ? 2.f * t - 1.f : t; }

  inline float f(float t, float p) const {
    switch (k) {
      case PointLoss::mse: { float d = p - t; return d * d; }
      case PointLoss::mae: return std::fabs(p - t);
      case PointLoss::mape: return 100.f * std::fabs((t - p) / std::max(std::fabs(t), kEps));
      case PointLoss::msle: {
        float d = std::log(std::max(p, kEps) + 1.f) - std::log(std::max(t, kEps) + 1.f);
        return d * d;
      }
      case PointLoss::huber: {
        float e = p - t, a = std::fabs(e);
        return a <= param ? 0.5f * e * e : param * a - 0.5f * param * param;
      }
      case PointLoss::log_cosh: { float x = p - t; return x + softplusf(-2.f * x) - kLog2; }
      case PointLoss::hinge: return std::max(1.f - hinge_label(t) * p, 0.f);
      case PointLoss::squared_hinge: {
        float m = std::max(1.f - hinge_label(t) * p, 0.f);
        return m * m;
      }
      case PointLoss::poisson: return p - t * std::log(p + kEps);
    }
    return 0.f;
  }

  inline float df(float t, float p) const {
    switch (k) {
      case PointLoss::mse: return 2.f * (p - t);
      case PointLoss::mae: { float d = p - t; return d > 0.f ? 1.f : (d < 0.f ? -1.f : 0.f); }
      case PointLoss::mape: {
        float d = p - t, s = d > 0.f ? 1.f : (d < 0.f ? -1.f : 0.f);
        return 100.f * s / std::max(std::fabs(t), kEps);
      }
      case PointLoss::msle: {
        if (p < kEps) return 0.f;
        float d = std::log(p + 1.f) - std::log(std::max(t, kEps) + 1.f);
        return 2.f * d / (p + 1.f);
      }
      case PointLoss::huber: {
        float e = p - t;
        if (std::fabs(e) <= param) return e;
        return e > 0.f ? param : -param;
      }
      case PointLoss::log_cosh: return std::tanh(p - t);
      case PointLoss::hinge: {
        float y = hinge_label(t);
        return 1.f - y * p >= 0.f ? -y : 0.f;
      }
      case PointLoss::squared_hinge: {
        float y = hinge_label(t);
        float m = std::max(1.f - y * p, 0.f);
        return -2.f * m * y;
      }
      case PointLoss::poisson: return 1.f - t / (p + kEps);
    }
    return 0.f;
  }
};

Elem make_elem(PointLoss k, const float* t, int64_t n, float param) {
  bool h = (k == PointLoss::hinge || k == PointLoss::squared_hinge) && labels_are_binary(t, n);
  return Elem{k, param, h};
}

PFF_HOT void rows_forward(const Elem& e, const float* t, const float* p, float* out,
                          int64_t r0, int64_t r1, int64_t cols) {
  float inv = cols ? 1.f / static_cast<float>(cols) : 0.f;
  for (int64_t r = r0; r < r1; ++r) {
    const float* tr = t + r * cols;
    const float* pr = p + r * cols;
    float s = 0.f;
    for (int64_t c = 0; c < cols; ++c) s += e.f(tr[c], pr[c]);
    out[r] = s * inv;
  }
}

PFF_HOT void rows_backward(const Elem& e, const float* rowcoef, float coef, const float* t,
                           const float* p, float* dp, int64_t r0, int64_t r1, int64_t cols) {
  float inv = cols ? coef / static_cast<float>(cols) : 0.f;
  for (int64_t r = r0; r < r1; ++r) {
    float m = rowcoef ? rowcoef[r] * inv : inv;
    const float* tr = t + r * cols;
    const float* pr = p + r * cols;
    float* dr = dp + r * cols;
    for (int64_t c = 0; c < cols; ++c) dr[c] = m * e.df(tr[c], pr[c]);
  }
}

int64_t row_grain(int64_t cols) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)); }

}  // namespace

PointLoss parse_point_loss(const std::string& n) {
  if (n == "mean_squared_error" || n == "mse") return PointLoss::mse;
  if (n == "mean_absolute_error" || n == "mae") return PointLoss::mae;
  if (n == "mean_absolute_percentage_error" || n == "mape") return PointLoss::mape;
  if (n == "mean_squared_logarithmic_error" || n == "msle") return PointLoss::msle;
  if (n == "huber") return PointLoss::huber;
  if (n == "log_cosh") return PointLoss::log_cosh;
  if (n == "hinge") return PointLoss::hinge;
  if (n == "squared_hinge") return PointLoss::squared_hinge;
  if (n == "poisson") return PointLoss::poisson;
  PFF_CHECK(false, "[point_loss] unknown loss '", n,
            "'; expected one of mean_squared_error, mean_absolute_error, "
            "mean_absolute_percentage_error, mean_squared_logarithmic_error, huber, "
            "log_cosh, hinge, squared_hinge, poisson.");
  return PointLoss::mse;
}

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
