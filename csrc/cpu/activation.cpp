// Activation forward/backward kernels. Formulas follow keras.activations (Keras 3).
#include "cpu/activation.h"

#include <algorithm>
#include <cmath>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/simd.h"
#include "cpu/vmath.h"

namespace pyfastfit::cpu {
namespace {

constexpr float kSeluAlpha = 1.6732632423543772f;
constexpr float kSeluScale = 1.0507009873554805f;
constexpr int64_t kGrain = 1 << 15;

inline __attribute__((always_inline)) float sigmoidf(float x) {
  // exp(-|x|) never overflows; branch-free so the loops vectorise.
  float e = exp_f32(-std::fabs(x));
  float s = 1.f / (1.f + e);
  return x >= 0.f ? s : e * s;
}
inline float softplusf(float x) { return x > 20.f ? x : std::log1p(std::exp(x)); }

PFF_HOT void pointwise_forward(Activation a, const float* z, float* o, int64_t n,
                               float alpha) {
  switch (a) {
    case Activation::linear:
      for (int64_t i = 0; i < n; ++i) o[i] = z[i];
      break;
    case Activation::relu:
      // NaN stays NaN (as Keras-TF): a NaN weight must not hide behind a finite loss.
      for (int64_t i = 0; i < n; ++i) o[i] = z[i] < 0.f ? 0.f : z[i];
      break;
    case Activation::relu6:
      for (int64_t i = 0; i < n; ++i) o[i] = std::min(std::max(z[i], 0.f), 6.f);
      break;
    case Activation::sigmoid:
      for (int64_t i = 0; i < n; ++i) o[i] = sigmoidf(z[i]);
      break;
    case Activation::hard_sigmoid:
      for (int64_t i = 0; i < n; ++i) o[i] = std::min(std::max(z[i] / 6.f + 0.5f, 0.f), 1.f);
      break;
    case Activation::tanh:
      for (int64_t i = 0; i < n; ++i) o[i] = tanh_f32(z[i]);
      break;
    case Activation::gelu:
      for (int64_t i = 0; i < n; ++i)
        o[i] = 0.5f * z[i] * (1.f + std::erf(z[i] * 0.70710678118654752f));
      break;
    case Activation::gelu_approximate:
      for (int64_t i = 0; i < n; ++i) {
        float x = z[i];
        o[i] = 0.5f * x * (1.f + std::tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
      }
      break;
    case Activation::elu:
      for (int64_t i = 0; i < n; ++i) o[i] = z[i] > 0.f ? z[i] : alpha * std::expm1(z[i]);
      break;
    case Activation::selu:
      for (int64_t i = 0; i < n; ++i)
        o[i] = kSeluScale * (z[i] > 0.f ? z[i] : kSeluAlpha * std::expm1(z[i]));
      break;
    case Activation::softplus:
      for (int64_t i = 0; i < n; ++i) o[i] = softplusf(z[i]);
      break;
    case Activation::softsign:
      for (int64_t i = 0; i < n; ++i) o[i] = z[i] / (1.f + std::fabs(z[i]));
      break;
    case Activation::swish:
      for (int64_t i = 0; i < n; ++i) o[i] = z[i] * sigmoidf(z[i]);
      break;
    case Activation::leaky_relu:
      for (int64_t i = 0; i < n; ++i) o[i] = z[i] > 0.f ? z[i] : alpha * z[i];
      break;
    case Activation::exponential:
      for (int64_t i = 0; i < n; ++i) o[i] = exp_f32(z[i]);
      break;
    default:
      break;
  }
}

PFF_HOT void pointwise_backward(Activation a, const float* g, const float* z,
                                const float* o, float* dz, int64_t n, float alpha) {
  switch (a) {
    case Activation::linear:
      for (int64_t i = 0; i < n; ++i) dz[i] = g[i];
      break;
    case Activation::relu:
      for (int64_t i = 0; i < n; ++i) dz[i] = o[i] > 0.f ? g[i] : 0.f;
      break;
    case Activation::relu6:
      for (int64_t i = 0; i < n; ++i) dz[i] = (o[i] > 0.f && o[i] < 6.f) ? g[i] : 0.f;
      break;
    case Activation::sigmoid:
      for (int64_t i = 0; i < n; ++i) dz[i] = g[i] * o[i] * (1.f - o[i]);
      break;
    case Activation::hard_sigmoid:
      for (int64_t i = 0; i < n; ++i) dz[i] = (o[i] > 0.f && o[i] < 1.f) ? g[i] / 6.f : 0.f;
      break;
    case Activation::tanh:
      for (int64_t i = 0; i < n; ++i) dz[i] = g[i] * (1.f - o[i] * o[i]);
      break;
    case Activation::gelu:
      for (int64_t i = 0; i < n; ++i) {
        float x = z[i];
        float cdf = 0.5f * (1.f + std::erf(x * 0.70710678118654752f));
        float pdf = 0.3989422804014327f * exp_f32(-0.5f * x * x);
        dz[i] = g[i] * (cdf + x * pdf);
      }
      break;
    case Activation::gelu_approximate:
      for (int64_t i = 0; i < n; ++i) {
        float x = z[i];
        float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        float t = std::tanh(u);
        float du = 0.7978845608028654f * (1.f + 3.f * 0.044715f * x * x);
        dz[i] = g[i] * (0.5f * (1.f + t) + 0.5f * x * (1.f - t * t) * du);
      }
      break;
    case Activation::elu:
      for (int64_t i = 0; i < n; ++i) dz[i] = z[i] > 0.f ? g[i] : g[i] * (o[i] + alpha);
      break;
    case Activation::selu:
      for (int64_t i = 0; i < n; ++i)
        dz[i] = z[i] > 0.f ? g[i] * kSeluScale : g[i] * (o[i] + kSeluScale * kSeluAlpha);
      break;
    case Activation::softplus:
      for (int64_t i = 0; i < n; ++i) dz[i] = g[i] * sigmoidf(z[i]);
      break;
    case Activation::softsign:
      for (int64_t i = 0; i < n; ++i) {
        float d = 1.f + std::fabs(z[i]);
        dz[i] = g[i] / (d * d);
      }
      break;
    case Activation::swish:
      for (int64_t i = 0; i < n; ++i) {
        float s = sigmoidf(z[i]);
        dz[i] = g[i] * (s + z[i] * s * (1.f - s));
      }
      break;
    case Activation::leaky_relu:
      for (int64_t i = 0; i < n; ++i) dz[i] = z[i] > 0.f ? g[i] : alpha * g[i];
      break;
    case Activation::exponential:
      for (int64_t i = 0; i < n; ++i) dz[i] = g[i] * o[i];
      break;
    default:
      break;
  }
}

PFF_HOT void softmax_rows(const float* z, float* o, int64_t rows, int64_t cols, bool log) {
  if (log) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* zr = z + r * cols;
      float* orow = o + r * cols;
      const float m = max_f32(zr, cols);
      float acc[16] = {0.f};
      int64_t j = 0;
      for (; j + 16 <= cols; j += 16)
        for (int k = 0; k < 16; ++k) acc[k] += exp_f32(zr[j + k] - m);
      float s = 0.f;
      for (; j < cols; ++j) s += exp_f32(zr[j] - m);
      for (int k = 0; k < 16; ++k) s += acc[k];
      // z and out may be the same buffer (the fused Dense op works in place).
      float ls = m + std::log(s);
      for (int64_t jj = 0; jj < cols; ++jj) orow[jj] = zr[jj] - ls;
    }
    return;
  }
  // Three passes, so the exponentials run as one vector loop over the block whatever the
  // row length (10 classes per row left most of them to a scalar tail).
  for (int64_t r = 0; r < rows; ++r) {
    const float* zr = z + r * cols;
    float* orow = o + r * cols;
    const float m = max_f32(zr, cols);
    for (int64_t j = 0; j < cols; ++j) orow[j] = zr[j] - m;
  }
  const int64_t n = rows * cols;
  for (int64_t i = 0; i < n; ++i) o[i] = exp_f32(o[i]);
  for (int64_t r = 0; r < rows; ++r) {
    float* orow = o + r * cols;
    const float inv = 1.f / sum_f32(orow, cols);
    for (int64_t j = 0; j < cols; ++j) orow[j] *= inv;
  }
}

PFF_HOT void softmax_rows_backward(const float* g, const float* o, float* dz, int64_t rows,
                                   int64_t cols, bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* gr = g + r * cols;
    const float* orow = o + r * cols;
    float* d = dz + r * cols;
    if (log) {
      // d log_softmax: g - softmax * sum(g)
      float s = 0.f;
      for (int64_t j = 0; j < cols; ++j) s += gr[j];
      for (int64_t j = 0; j < cols; ++j) d[j] = gr[j] - exp_f32(orow[j]) * s;
    } else {
      const float s = dot_f32(gr, orow, cols);
      for (int64_t j = 0; j < cols; ++j) d[j] = orow[j] * (gr[j] - s);
    }
  }
}

}  // namespace


void activation_forward(Activation a, const float* z, float* out, int64_t rows,
                        int64_t cols, float alpha) {
  if (a == Activation::softmax || a == Activation::log_softmax) {
    bool log = a == Activation::log_softmax;
    parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)),
                 [&](int64_t b, int64_t e) {
                   softmax_rows(z + b * cols, out + b * cols, e - b, cols, log);
                 });
    return;
  }
  parallel_for(rows * cols, kGrain, [&](int64_t b, int64_t e) {
    pointwise_forward(a, z + b, out + b, e - b, alpha);
  });
}

void activation_backward(Activation a, const float* dout, const float* z, const float* out,
                         float* dz, int64_t rows, int64_t cols, float alpha) {
  if (a == Activation::softmax || a == Activation::log_softmax) {
    bool log = a == Activation::log_softmax;
    parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)),
                 [&](int64_t b, int64_t e) {
                   softmax_rows_backward(dout + b * cols, out + b * cols, dz + b * cols,
                                         e - b, cols, log);
                 });
    return;
  }
  parallel_for(rows * cols, kGrain, [&](int64_t b, int64_t e) {
    pointwise_backward(a, dout + b, z ? z + b : nullptr, out ? out + b : nullptr, dz + b,
                       e - b, alpha);
  });
}

}  // namespace pyfastfit::cpu
