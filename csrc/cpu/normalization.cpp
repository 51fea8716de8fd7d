// BatchNormalization and LayerNormalization kernels. Column sums (a channel over the
// rows) add leaf blocks of kBlockRows rows directly, leaves pairwise within super-blocks
// of kSpan rows, and super-blocks pairwise; threads take (super-block, channel tile)
// tasks. Row sums (a row over its features) are pairwise too. No boundary depends on the
// thread count, so eager ops and Programs get the same bits.
#include "cpu/normalization.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/norm_sums.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

using namespace norm_sums;

constexpr float kUnitEps = 1e-12f;  // UnitNormalization's floor on the sum of squares

// The hot loops are non-template so PFF_HOT compiles them for AVX2 too. Column-sum
// leaves read `cw` channels of rows that are `ld` floats apart.

PFF_HOT void add_rows(const float* x, int64_t rows, int64_t ld, int64_t cw, float* acc) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cw; ++c) acc[c] += x[r * ld + c];
}

/** acc1 += x - mean, acc2 += (x - mean)^2. */
PFF_HOT void add_deviations(const float* x, int64_t rows, int64_t ld, int64_t cw,
                            const float* mean, float* acc1, float* acc2) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cw; ++c) {
      const float d = x[r * ld + c] - mean[c];
      acc1[c] += d;
      acc2[c] += d * d;
    }
}

/** acc1 += dy, acc2 += dy * (x - mean). */
PFF_HOT void add_grad_terms(const float* dy, const float* x, int64_t rows, int64_t ld,
                            int64_t cw, const float* mean, float* acc1, float* acc2) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cw; ++c) {
      acc1[c] += dy[r * ld + c];
      acc2[c] += dy[r * ld + c] * (x[r * ld + c] - mean[c]);
    }
}

/** acc1 += dy, acc2 += dy * (x - mean_r) * inv_r: LayerNormalization's dbeta, dgamma. */
PFF_HOT void add_ln_grad_terms(const float* dy, const float* x, int64_t rows, int64_t ld,
                               int64_t cw, const float* mean, const float* inv, float* acc1,
                               float* acc2) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cw; ++c) {
      acc1[c] += dy[r * ld + c];
      acc2[c] += dy[r * ld + c] * ((x[r * ld + c] - mean[r]) * inv[r]);
    }
}

/** y = (x - mean) * k + beta (beta may be null). */
PFF_HOT void affine_rows(const float* x, int64_t rows, int64_t C, const float* mean,
                         const float* k, const float* beta, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    if (beta)
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean[c]) * k[c] + beta[c];
    else
      for (int64_t c = 0; c < C; ++c) yr[c] = (xr[c] - mean[c]) * k[c];
  }
}

/** dx = a * (dy - b - (x - mean) * k). */
PFF_HOT void bn_dx_rows(const float* dy, const float* x, int64_t rows, int64_t C,
                        const float* mean, const float* a, const float* b, const float* k,
                        float* dx) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) {
      const int64_t i = r * C + c;
      dx[i] = a[c] * (dy[i] - b[c] - (x[i] - mean[c]) * k[c]);
    }
}

/** Rows [r0, r1) of layer_norm_forward; tmp holds C floats. */
PFF_HOT void ln_forward_rows(const float* x, int64_t r0, int64_t r1, int64_t C, float eps,
                             const float* gamma, const float* beta, float* y, float* mean,
                             float* inv_std, float* tmp) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    float m, inv;
    moments_of(xr, C, eps, tmp, &m, &inv);
    for (int64_t c = 0; c < C; ++c) {
      float v = (xr[c] - m) * inv;
      if (gamma) v *= gamma[c];
      if (beta) v += beta[c];
      yr[c] = v;
    }
    if (mean) mean[r] = m;
    if (inv_std) inv_std[r] = inv;
  }
}

/** Rows [r0, r1) of layer_norm_rms_forward: y = x * inv * gamma (no centering). */
PFF_HOT void ln_rms_forward_rows(const float* x, int64_t r0, int64_t r1, int64_t C, float eps,
                                 const float* gamma, float* y, float* mean, float* inv_std,
                                 float* tmp) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    float m, inv;
    moments_of(xr, C, eps, tmp, &m, &inv);
    for (int64_t c = 0; c < C; ++c) yr[c] = gamma ? xr[c] * inv * gamma[c] : xr[c] * inv;
    if (mean) mean[r] = m;
    if (inv_std) inv_std[r] = inv;
  }
}

/** Rows [r0, r1) of layer_norm_rms_backward's dx: with g = dy * gamma,
 *  dx = inv * (g - xhat * inv * mean(g * x)); tmp holds C floats. */
PFF_HOT void ln_rms_dx_rows(const float* dy, const float* x, int64_t r0, int64_t r1,
                            int64_t C, const float* mean, const float* inv_std,
                            const float* gamma, float* dx, float* tmp) {
  const float n = static_cast<float>(C);
  float* g = tmp;
  for (int64_t r = r0; r < r1; ++r) {
    const float* d = dy + r * C;
    const float* xr = x + r * C;
    float* out = dx + r * C;
    const float m = mean[r], inv = inv_std[r];
    for (int64_t c = 0; c < C; ++c) g[c] = gamma ? d[c] * gamma[c] : d[c];
    const float k = inv * (pairwise(g, xr, C) / n);
    for (int64_t c = 0; c < C; ++c) out[c] = inv * (g[c] - (xr[c] - m) * inv * k);
  }
}

/** acc += dy * x * inv_r: rms_scaling LayerNormalization's dgamma. */
PFF_HOT void add_rms_grad_terms(const float* dy, const float* x, int64_t rows, int64_t ld,
                                int64_t cw, const float* inv, float* acc) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cw; ++c) acc[c] += dy[r * ld + c] * (x[r * ld + c] * inv[r]);
}

/** Rows [r0, r1) of unit_norm_forward: sq = sum(x^2), y = x / sqrt(max(sq, kUnitEps)). */
PFF_HOT void unit_norm_rows(const float* x, int64_t r0, int64_t r1, int64_t C, float* y,
                            float* sq) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    const float s = pairwise(xr, xr, C);
    const float inv = 1.f / std::sqrt(std::max(s, kUnitEps));
    for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * inv;
    if (sq) sq[r] = s;
  }
}

/** Rows [r0, r1) of unit_norm_backward: dx = inv * dy - x * inv^3 * sum(dy * x), the
 *  second term only where the sum of squares was not clamped (eager maximum's rule). */
PFF_HOT void unit_norm_dx_rows(const float* dy, const float* x, const float* sq, int64_t r0,
                               int64_t r1, int64_t C, float* dx) {
  for (int64_t r = r0; r < r1; ++r) {
    const float* d = dy + r * C;
    const float* xr = x + r * C;
    float* out = dx + r * C;
    const float s = sq[r];
    const float inv = 1.f / std::sqrt(std::max(s, kUnitEps));
    const float k = s >= kUnitEps ? inv * inv * inv * pairwise(d, xr, C) : 0.f;
    for (int64_t c = 0; c < C; ++c) out[c] = inv * d[c] - xr[c] * k;
  }
}

/** Rows [r0, r1) of layer_norm_backward's dx: with g = dy * gamma,
 *  dx = inv * (g - mean(g) - xhat * mean(g * xhat)); tmp holds 2 C floats. */
PFF_HOT void ln_dx_rows(const float* dy, const float* x, int64_t r0, int64_t r1, int64_t C,
                        const float* mean, const float* inv_std, const float* gamma,
                        float* dx, float* tmp) {
  const float n = static_cast<float>(C);
  float* g = tmp;
  float* xhat = tmp + C;
  for (int64_t r = r0; r < r1; ++r) {
    const float* d = dy + r * C;
    const float* xr = x + r * C;
    float* out = dx + r * C;
    const float m = mean[r], inv = inv_std[r];
    for (int64_t c = 0; c < C; ++c) {
      g[c] = gamma ? d[c] * gamma[c] : d[c];
      xhat[c] = (xr[c] - m) * inv;
    }
    const float mg = pairwise(g, nullptr, C) / n;
    const float mgx = pairwise(g, xhat, C) / n;
    for (int64_t c = 0; c < C; ++c) out[c] = inv * (g[c] - mg - xhat[c] * mgx);
  }
}

}  // namespace

void batch_norm_statistics(const float* x, int64_t R, int64_t C, float* mean, float* var) {
  // x is (R, C), mean and var are (C).
  if (C <= 0) return;
  const float n = static_cast<float>(R);
  column_sums<1>(
      R, C, kColTile,
      [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
        add_rows(x + r0 * C + c0, r1 - r0, C, cw, acc);
      },
      mean);
  for (int64_t c = 0; c < C; ++c) mean[c] /= n;
  std::vector<float> s(static_cast<size_t>(2 * C));
  column_sums<2>(
      R, C, kColTile,
      [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
        add_deviations(x + r0 * C + c0, r1 - r0, C, cw, mean + c0, acc, acc + cw);
      },
      s.data());
  // Corrected two-pass: s1 is the first mean's residual (Chan, Golub & LeVeque 1983).
  for (int64_t c = 0; c < C; ++c) {
    const float s1 = s[c], s2 = s[C + c];
    const float v = (s2 - s1 * s1 / n) / n;
    var[c] = v < 0.f ? 0.f : v;
    mean[c] += s1 / n;
  }
}

void batch_norm_forward(const float* x, const float* mean, const float* var,
                        const float* gamma, const float* beta, float eps, int64_t R,
                        int64_t C, float* y) {
  // x and y are (R, C); mean, var, gamma, beta are (C).
  std::vector<float> k(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    k[c] = 1.f / std::sqrt(var[c] + eps);
    if (gamma) k[c] *= gamma[c];
  }
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    affine_rows(x + r0 * C, r1 - r0, C, mean, k.data(), beta, y + r0 * C);
  });
}

void batch_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* var, const float* gamma, float eps, int64_t R,
                         int64_t C, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta) {
  // dy, x, dx are (R, C); mean, var, gamma, dgamma, dbeta are (C).
  if (C <= 0) return;
  std::vector<float> inv(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) inv[c] = 1.f / std::sqrt(var[c] + eps);
  // s: sum(dy), then sum(dy * xhat), per channel.
  std::vector<float> s(static_cast<size_t>(2 * C), 0.f);
  if (dgamma || dbeta || (dx && batch_stats)) {
    column_sums<2>(
        R, C, kColTile,
        [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
          add_grad_terms(dy + r0 * C + c0, x + r0 * C + c0, r1 - r0, C, cw, mean + c0, acc,
                         acc + cw);
        },
        s.data());
    for (int64_t c = 0; c < C; ++c) s[C + c] *= inv[c];
    if (dbeta) std::copy(s.begin(), s.begin() + C, dbeta);
    if (dgamma) std::copy(s.begin() + C, s.end(), dgamma);
  }
  if (!dx) return;
  // dx = a * (dy - b - (x - mean) * k): with batch statistics b = mean(dy) and
  // k = inv * mean(dy * xhat); with constant statistics b = k = 0.
  const float n = static_cast<float>(R);
  std::vector<float> a(static_cast<size_t>(C)), b(static_cast<size_t>(C), 0.f),
      k(static_cast<size_t>(C), 0.f);
  for (int64_t c = 0; c < C; ++c) {
    a[c] = gamma ? gamma[c] * inv[c] : inv[c];
    if (batch_stats) {
      b[c] = s[c] / n;
      k[c] = inv[c] * (s[C + c] / n);
    }
  }
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    bn_dx_rows(dy + r0 * C, x + r0 * C, r1 - r0, C, mean, a.data(), b.data(), k.data(),
               dx + r0 * C);
  });
}

void batch_norm_statistics_backward(const float* dmean, const float* dvar, const float* x,
                                    const float* mean, int64_t R, int64_t C, float* dx) {
  // x and dx are (R, C); dmean, dvar, mean are (C). Written as the affine map
  // dx = (x - mean) * k + b with k = 2 dvar / R and b = dmean / R.
  const float n = static_cast<float>(R);
  std::vector<float> k(static_cast<size_t>(C), 0.f), b(static_cast<size_t>(C), 0.f);
  for (int64_t c = 0; c < C; ++c) {
    if (dvar) k[c] = 2.f * dvar[c] / n;
    if (dmean) b[c] = dmean[c] / n;
  }
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    affine_rows(x + r0 * C, r1 - r0, C, mean, k.data(), b.data(), dx + r0 * C);
  });
}

void moving_average_update(float* moving, const float* batch, float momentum, int64_t C) {
  // moving and batch are (C).
  const float rest = 1.f - momentum;
  for (int64_t c = 0; c < C; ++c) moving[c] = moving[c] * momentum + batch[c] * rest;
}

void layer_norm_forward(const float* x, const float* gamma, const float* beta, float eps,
                        int64_t R, int64_t C, float* y, float* mean, float* inv_std) {
  // x and y are (R, C); gamma and beta (C); mean and inv_std (R).
  if (C <= 0) return;
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    std::vector<float> tmp(static_cast<size_t>(C));
    ln_forward_rows(x, r0, r1, C, eps, gamma, beta, y, mean, inv_std, tmp.data());
  });
}

void layer_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* inv_std, const float* gamma, int64_t R, int64_t C,
                         float* dx, float* dgamma, float* dbeta) {
  // dy, x, dx are (R, C); mean and inv_std (R); gamma, dgamma, dbeta (C).
  if (C <= 0) return;
  if (dx)
    parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
      std::vector<float> tmp(static_cast<size_t>(2 * C));
      ln_dx_rows(dy, x, r0, r1, C, mean, inv_std, gamma, dx, tmp.data());
    });
  if (!dgamma && !dbeta) return;
  std::vector<float> s(static_cast<size_t>(2 * C));
  column_sums<2>(
      R, C, kColTile,
      [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
        add_ln_grad_terms(dy + r0 * C + c0, x + r0 * C + c0, r1 - r0, C, cw, mean + r0,
                          inv_std + r0, acc, acc + cw);
      },
      s.data());
  if (dbeta) std::copy(s.begin(), s.begin() + C, dbeta);
  if (dgamma) std::copy(s.begin() + C, s.end(), dgamma);
}

void layer_norm_rms_forward(const float* x, const float* gamma, float eps, int64_t R,
                            int64_t C, float* y, float* mean, float* inv_std) {
  // x and y are (R, C); gamma (C); mean and inv_std (R).
  if (C <= 0) return;
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    std::vector<float> tmp(static_cast<size_t>(C));
    ln_rms_forward_rows(x, r0, r1, C, eps, gamma, y, mean, inv_std, tmp.data());
  });
}

void layer_norm_rms_backward(const float* dy, const float* x, const float* mean,
                             const float* inv_std, const float* gamma, int64_t R, int64_t C,
                             float* dx, float* dgamma) {
  // dy, x, dx are (R, C); mean and inv_std (R); gamma and dgamma (C).
  if (C <= 0) return;
  if (dx)
    parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
      std::vector<float> tmp(static_cast<size_t>(C));
      ln_rms_dx_rows(dy, x, r0, r1, C, mean, inv_std, gamma, dx, tmp.data());
    });
  if (!dgamma) return;
  column_sums<1>(
      R, C, kColTile,
      [&](int64_t r0, int64_t r1, int64_t c0, int64_t cw, float* acc) {
        add_rms_grad_terms(dy + r0 * C + c0, x + r0 * C + c0, r1 - r0, C, cw, inv_std + r0,
                           acc);
      },
      dgamma);
}

void unit_norm_forward(const float* x, int64_t R, int64_t C, float* y, float* sq) {
  // x and y are (R, C); sq (R).
  if (C <= 0) return;
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    unit_norm_rows(x, r0, r1, C, y, sq);
  });
}

void unit_norm_backward(const float* dy, const float* x, const float* sq, int64_t R,
                        int64_t C, float* dx) {
  // dy, x, dx are (R, C); sq (R).
  if (C <= 0) return;
  parallel_for(R, row_grain(C), [&](int64_t r0, int64_t r1) {
    unit_norm_dx_rows(dy, x, sq, r0, r1, C, dx);
  });
}

}  // namespace pyfastfit::cpu
