// Weight penalties (cpu/penalty.h). Sums keep 32 independent float partials per pass so
// the loop vectorises, and add them up in double.
#include "cpu/penalty.h"

#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

template <bool kSquare>
PFF_HOT double partial_sums(const float* w, int64_t n) {
  float acc[32] = {0.f};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 32; ++j) {
      float v = w[i + j];
      acc[j] += kSquare ? v * v : (v < 0.f ? -v : v);
    }
  double s = 0.0;
  for (int j = 0; j < 32; ++j) s += acc[j];
  for (; i < n; ++i) {
    double v = w[i];
    s += kSquare ? v * v : (v < 0.0 ? -v : v);
  }
  return s;
}

PFF_HOT void penalty_grad_range(float* g, const float* w, int64_t n, float l1, float two_l2) {
  for (int64_t i = 0; i < n; ++i) {
    float sign = w[i] > 0.f ? 1.f : (w[i] < 0.f ? -1.f : 0.f);
    g[i] += l1 * sign + two_l2 * w[i];
  }
}

}  // namespace

float weight_penalty(const float* w, int64_t n, float l1, float l2) {
  float out = 0.f;
  if (l1 != 0.f) out = static_cast<float>(partial_sums<false>(w, n)) * l1;
  if (l2 != 0.f) {
    float p = static_cast<float>(partial_sums<true>(w, n)) * l2;
    out = l1 != 0.f ? out + p : p;
  }
  return out;
}

void add_penalty_grad(float* g, const float* w, int64_t n, float l1, float l2) {
  if (l1 == 0.f && l2 == 0.f) return;
  penalty_grad_range(g, w, n, l1, 2.f * l2);
}

}  // namespace pyfastfit::cpu
