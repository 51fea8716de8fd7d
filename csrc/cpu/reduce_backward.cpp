// The backward of the float reductions (reduce.cpp): sum and mean broadcast the gradient
// back, max and min split it between the tied positions, the others by their formulas.
#include "cpu/reduce.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/check.h"
#include "core/threads.h"
#include "cpu/reduce_parts.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

using namespace reduce_parts;

// max/min backward of one outer slice: g split evenly between the positions equal to
// the result. Rows of a few values (global pooling over channels) are walked as one
// flat array against the result repeated over narrow_period() floats, so the loops
// vectorise whatever `inner` is; the tie counts are exact integers, so the bits do not
// depend on the walk.
PFF_HOT void extreme_backward(const float* go, const float* yo, const float* xo, float* d,
                              int64_t r, int64_t inner) {
  const int64_t period = narrow_period(inner), n = r * inner;
  // Called once per sample by global pooling: small periods stay on the stack (a heap
  // buffer per sample cost about as much as the pass over W4's 900 x 3 values).
  SmallBuffer rep(3 * period + inner);
  float* y_rep = rep.data();           // yo[t % inner]
  float* lanes = y_rep + period;       // per-lane tie counts, then g / count
  float* g_rep = lanes + period;
  float* cnt = g_rep + period;
  for (int64_t t = 0; t < period; ++t) y_rep[t] = yo[t % inner];
  int64_t k = 0;
  for (; k + period <= n; k += period)
    for (int64_t t = 0; t < period; ++t) lanes[t] += xo[k + t] == y_rep[t] ? 1.f : 0.f;
  for (int64_t t = 0; k + t < n; ++t) lanes[t] += xo[k + t] == y_rep[t] ? 1.f : 0.f;
  for (int64_t t = 0; t < period; ++t) cnt[t % inner] += lanes[t];
  for (int64_t t = 0; t < period; ++t) g_rep[t] = go[t % inner] / cnt[t % inner];
  for (k = 0; k + period <= n; k += period)
    for (int64_t t = 0; t < period; ++t) d[k + t] = xo[k + t] == y_rep[t] ? g_rep[t] : 0.f;
  for (int64_t t = 0; k + t < n; ++t) d[k + t] = xo[k + t] == y_rep[t] ? g_rep[t] : 0.f;
}
}  // namespace

void reduce_f32_backward(Reduce op, const float* g, const float* x, const float* out,
                         float* dx, int64_t outer, int64_t r, int64_t inner, int64_t ddof) {
  if (outer * r * inner == 0) return;
  if (op == Reduce::sum || op == Reduce::mean) {
    // Broadcast g back over r: parallel over all (o, j) rows, also when outer == 1.
    const float s = op == Reduce::mean ? 1.f / static_cast<float>(r) : 1.f;
    parallel_for(outer * r, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t k = b; k < e; ++k) {
                     const float* go = g + (k / r) * inner;
                     float* d = dx + k * inner;
                     for (int64_t i = 0; i < inner; ++i) d[i] = go[i] * s;
                   }
                 });
    return;
  }
  if (op == Reduce::var || op == Reduce::std_ || op == Reduce::logsumexp) {
    std::vector<double> m;
    if (op != Reduce::logsumexp) m = means(x, outer, r, inner);
    const double denom = static_cast<double>(r - ddof);
    per_row(outer, r, inner, [&](int64_t o, int64_t k) {
      const float* go = g + o * inner;
      const float* yo = out + o * inner;
      const float* xr = x + k * inner;
      float* d = dx + k * inner;
      if (op == Reduce::logsumexp) {
        for (int64_t i = 0; i < inner; ++i) d[i] = go[i] * std::exp(xr[i] - yo[i]);
        return;
      }
      const double* mu = m.data() + o * inner;
      for (int64_t i = 0; i < inner; ++i) {
        double scale = op == Reduce::var ? 2.0 / denom
                       : (yo[i] > 0.f ? 1.0 / (denom * yo[i]) : 0.0);
        d[i] = static_cast<float>(go[i] * scale * (xr[i] - mu[i]));
      }
    });
    return;
  }
  per_outer(outer, r, inner, [&](int64_t o) {
    const float* go = g + o * inner;
    const float* yo = out + o * inner;
    const float* xo = x + o * r * inner;
    float* d = dx + o * r * inner;
    switch (op) {
      case Reduce::sum:
      case Reduce::mean: {
        float s = op == Reduce::mean ? 1.f / static_cast<float>(r) : 1.f;
        for (int64_t j = 0; j < r; ++j)
          for (int64_t i = 0; i < inner; ++i) d[j * inner + i] = go[i] * s;
        break;
      }
      case Reduce::max:
      case Reduce::min:
        extreme_backward(go, yo, xo, d, r, inner);
        break;
      case Reduce::prod: {
        // d prod / d x_j = product of the others (exact with zeros present).
        std::vector<int64_t> zeros(static_cast<size_t>(inner), 0);
        std::vector<double> nz(static_cast<size_t>(inner), 1.0);
        for (int64_t j = 0; j < r; ++j)
          for (int64_t i = 0; i < inner; ++i) {
            float v = xo[j * inner + i];
            if (v == 0.f) ++zeros[i];
            else nz[i] *= v;
          }
        for (int64_t j = 0; j < r; ++j)
          for (int64_t i = 0; i < inner; ++i) {
            float v = xo[j * inner + i];
            double p = zeros[i] == 0 ? nz[i] / v
                       : (zeros[i] == 1 && v == 0.f ? nz[i] : 0.0);
            d[j * inner + i] = static_cast<float>(go[i] * p);
          }
        break;
      }
      default:
        break;
    }
  });
}

}  // namespace pyfastfit::cpu
