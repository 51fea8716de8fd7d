// GroupNormalization kernels over channels-last x viewed as (N, P, C): N samples, P
// positions, C channels in G groups of Cg = C / G. Each (sample, group) is gathered into
// one contiguous run of P * Cg values and normalized like a LayerNormalization row (the
// same pairwise two-pass statistics); gamma and beta are per channel. Tasks are whole
// (sample, group) pairs and column sums use norm_sums.h's fixed blocks, so no result
// depends on the thread count or on how the samples are split between calls.
#include "cpu/group_norm.h"

#include <vector>

#include "core/threads.h"
#include "cpu/norm_sums.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

using namespace norm_sums;

/** The geometry of one call. */
struct Groups {
  int64_t P, C, G, Cg;
  /** Offset of value j (= p * Cg + k) of group g of sample n. */
  int64_t at(int64_t n, int64_t g, int64_t j) const {
    return (n * P + j / Cg) * C + g * Cg + j % Cg;
  }
};

/** Tasks [t0, t1) of group_norm_forward (task t = sample t / G, group t % G); tmp holds
 *  2 P Cg floats. */
PFF_HOT void gn_forward_tasks(const float* x, int64_t t0, int64_t t1, Groups s, float eps,
                              const float* gamma, const float* beta, float* y, float* mean,
                              float* inv_std, float* tmp) {
  const int64_t L = s.P * s.Cg;
  float* v = tmp + L;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t n = t / s.G, g = t % s.G;
    for (int64_t p = 0; p < s.P; ++p) {
      const float* row = x + (n * s.P + p) * s.C + g * s.Cg;
      std::copy(row, row + s.Cg, v + p * s.Cg);
    }
    float m, inv;
    moments_of(v, L, eps, tmp, &m, &inv);
    for (int64_t p = 0; p < s.P; ++p) {
      const int64_t row = (n * s.P + p) * s.C;
      for (int64_t k = 0; k < s.Cg; ++k) {
        const int64_t c = g * s.Cg + k;
        float o = (x[row + c] - m) * inv;
        if (gamma) o *= gamma[c];
        if (beta) o += beta[c];
        y[row + c] = o;
      }
    }
    if (mean) mean[t] = m;
    if (inv_std) inv_std[t] = inv;
  }
}

/** Tasks [t0, t1) of group_norm_backward's dx: with h = dy * gamma over the group,
 *  dx = inv * (h - mean(h) - xhat * mean(h * xhat)); tmp holds 2 P Cg floats. */
PFF_HOT void gn_dx_tasks(const float* dy, const float* x, int64_t t0, int64_t t1, Groups s,
                         const float* mean, const float* inv_std, const float* gamma,
                         float* dx, float* tmp) {
  const int64_t L = s.P * s.Cg;
  const float fn = static_cast<float>(L);
  float* h = tmp;
  float* xhat = tmp + L;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t n = t / s.G, g = t % s.G;
    const float m = mean[t], inv = inv_std[t];
    for (int64_t j = 0; j < L; ++j) {
      const int64_t i = s.at(n, g, j);
      h[j] = gamma ? dy[i] * gamma[g * s.Cg + j % s.Cg] : dy[i];
      xhat[j] = (x[i] - m) * inv;
    }
    const float mh = pairwise(h, nullptr, L) / fn;
    const float mhx = pairwise(h, xhat, L) / fn;
    for (int64_t j = 0; j < L; ++j) dx[s.at(n, g, j)] = inv * (h[j] - mh - xhat[j] * mhx);
  }
}

/** acc1 += dy, acc2 += dy * xhat for rows [r0, r0 + rows) (row r is position r % P of
 *  sample r / P) and channels [c0, c0 + cw): GroupNormalization's dbeta, dgamma. */
PFF_HOT void add_gn_grad_terms(const float* dy, const float* x, int64_t r0, int64_t rows,
                               int64_t c0, int64_t cw, Groups s, const float* mean,
                               const float* inv, float* acc1, float* acc2) {
  for (int64_t r = r0; r < r0 + rows; ++r) {
    const int64_t st = (r / s.P) * s.G;
    for (int64_t c = c0; c < c0 + cw; ++c) {
      const int64_t i = r * s.C + c, k = st + c / s.Cg;
      acc1[c - c0] += dy[i];
      acc2[c - c0] += dy[i] * ((x[i] - mean[k]) * inv[k]);
    }
  }
}

int64_t task_grain(const Groups& s) {
  return std::max<int64_t>(1, kGrain / std::max<int64_t>(s.P * s.Cg, 1));
}

}  // namespace

void group_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        int64_t N, int64_t P, int64_t C, int64_t G, float* y, float* mean,
                        float* inv_std) {
  // x and y are (N, P, C); gamma and beta (C); mean and inv_std (N, G).
  if (N <= 0 || P <= 0 || C <= 0) return;
  const Groups s{P, C, G, C / G};
  parallel_for(N * G, task_grain(s), [&](int64_t t0, int64_t t1) {
    std::vector<float> tmp(static_cast<size_t>(2 * P * s.Cg));
    gn_forward_tasks(x, t0, t1, s, eps, gamma, beta, y, mean, inv_std, tmp.data());
  });
}

void group_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* inv_std, const float* gamma, int64_t N, int64_t P,
                         int64_t C, int64_t G, float* dx, float* dgamma, float* dbeta) {
  // dy, x, dx are (N, P, C); mean and inv_std (N, G); gamma, dgamma, dbeta (C).
  if (N <= 0 || P <= 0 || C <= 0) return;
  const Groups s{P, C, G, C / G};
  if (dx)
    parallel_for(N * G, task_grain(s), [&](int64_t t0, int64_t t1) {
      std::vector<float> tmp(static_cast<size_t>(2 * P * s.Cg));
      gn_dx_tasks(dy, x, t0, t1, s, mean, inv_std, gamma, dx, tmp.data());
    });
  if (!dgamma && !dbeta) return;
  std::vector<float> sums(static_cast<size_t>(2 * C));
  column_sums<2>(
      N * P, C, kColTile,
      [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
        add_gn_grad_terms(dy, x, r0, r1 - r0, c0, cw, s, mean, inv_std, acc, acc + cw);
      },
      sums.data());
  if (dbeta) std::copy(sums.begin(), sums.begin() + C, dbeta);
  if (dgamma) std::copy(sums.begin() + C, sums.end(), dgamma);
}

}  // namespace pyfastfit::cpu
