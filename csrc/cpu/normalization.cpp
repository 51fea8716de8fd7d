// BatchNormalization and LayerNormalization kernels. Column sums (a channel over the
// rows) add fixed blocks of kBlockRows rows directly, then the block partials in a
// pairwise tree; row sums (a row over its features) are pairwise too. Block boundaries
// never depend on the thread count, so eager ops and Programs get the same bits.
#include "cpu/normalization.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kBlockRows = 32;   // rows summed directly before the pairwise tree
constexpr int64_t kLeaf = 256;       // row terms summed directly (8 lanes) in row sums
constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk

int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(C, 1)); }

/** Sums K per-channel quantities over the R rows: block(r0, r1, acc) adds rows
 *  [r0, r1) into acc[k * C + c] (zeroed). Writes the K * C totals to out. */
template <int K, typename Block>
void column_sums(int64_t R, int64_t C, Block&& block, float* out) {
  const int64_t w = K * C;
  const int64_t nb = (R + kBlockRows - 1) / kBlockRows;
  if (nb <= 1) {
    std::fill(out, out + w, 0.f);
    if (nb == 1) block(int64_t{0}, R, out);
    return;
  }
  std::vector<float> part(static_cast<size_t>(nb * w), 0.f);
  float* p = part.data();
  const int64_t grain = std::max<int64_t>(1, kGrain / (kBlockRows * std::max<int64_t>(C, 1)));
  parallel_for(nb, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      block(b * kBlockRows, std::min(R, (b + 1) * kBlockRows), p + b * w);
  });
  for (int64_t s = 1; s < nb; s *= 2)
    for (int64_t b = 0; b + s < nb; b += 2 * s) {
      float* dst = p + b * w;
      const float* src = p + (b + s) * w;
      for (int64_t j = 0; j < w; ++j) dst[j] += src[j];
    }
  std::copy(p, p + w, out);
}

/** Sum of term(j) for j in [b, e): 8 lanes over leaves of kLeaf terms, leaves added
 *  pairwise. */
template <typename F>
float pairwise(int64_t b, int64_t e, const F& term) {
  const int64_t n = e - b;
  if (n > kLeaf) {
    const int64_t half = ((n / 2) + 7) / 8 * 8;
    return pairwise(b, b + half, term) + pairwise(b + half, e, term);
  }
  float lane[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t j = b;
  for (; j + 8 <= e; j += 8)
    for (int k = 0; k < 8; ++k) lane[k] += term(j + k);
  float tail = 0.f;
  for (; j < e; ++j) tail += term(j);
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) +
         ((lane[4] + lane[5]) + (lane[6] + lane[7])) + tail;
}

// The hot loops, non-template so PFF_HOT compiles them for AVX2 too; x rows are C wide.

PFF_HOT void add_rows(const float* x, int64_t rows, int64_t C, float* acc) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) acc[c] += x[r * C + c];
}

/** acc1 += x - mean, acc2 += (x - mean)^2. */
PFF_HOT void add_deviations(const float* x, int64_t rows, int64_t C, const float* mean,
                            float* acc1, float* acc2) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) {
      const float d = x[r * C + c] - mean[c];
      acc1[c] += d;
      acc2[c] += d * d;
    }
}

/** acc1 += dy, acc2 += dy * (x - mean). */
PFF_HOT void add_grad_terms(const float* dy, const float* x, int64_t rows, int64_t C,
                            const float* mean, float* acc1, float* acc2) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < C; ++c) {
      acc1[c] += dy[r * C + c];
      acc2[c] += dy[r * C + c] * (x[r * C + c] - mean[c]);
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

/** Mean and inv_std of one row of C features (two passes, with the first pass's
 *  residual folded back into the mean and the variance). */
void row_stats(const float* x, int64_t C, float eps, float& mean, float& inv_std) {
  const float n = static_cast<float>(C);
  float m = pairwise(0, C, [x](int64_t j) { return x[j]; }) / n;
  const float s1 = pairwise(0, C, [x, m](int64_t j) { return x[j] - m; });
  const float s2 = pairwise(0, C, [x, m](int64_t j) {
    const float d = x[j] - m;
    return d * d;
  });
  float var = (s2 - s1 * s1 / n) / n;
  var = var < 0.f ? 0.f : var;  // NaN stays NaN
  mean = m + s1 / n;
  inv_std = 1.f / std::sqrt(var + eps);
}

PFF_HOT void ln_apply_row(const float* x, int64_t C, float mean, float inv,
                          const float* gamma, const float* beta, float* y) {
  for (int64_t c = 0; c < C; ++c) {
    float v = (x[c] - mean) * inv;
    if (gamma) v *= gamma[c];
    if (beta) v += beta[c];
    y[c] = v;
  }
}

/** dx of one row of layer_norm_forward. */
void ln_dx_row(const float* dy, const float* x, int64_t C, float mean, float inv,
               const float* gamma, float* dx) {
  const float n = static_cast<float>(C);
  auto g = [dy, gamma](int64_t j) { return gamma ? dy[j] * gamma[j] : dy[j]; };
  const float mg = pairwise(0, C, g) / n;
  const float mgx =
      pairwise(0, C, [&](int64_t j) { return g(j) * ((x[j] - mean) * inv); }) / n;
  for (int64_t c = 0; c < C; ++c) dx[c] = inv * (g(c) - mg - (x[c] - mean) * inv * mgx);
}

}  // namespace

void batch_norm_statistics(const float* x, int64_t R, int64_t C, float* mean, float* var) {
  // x is (R, C), mean and var are (C).
  if (C <= 0) return;
  const float n = static_cast<float>(R);
  column_sums<1>(
      R, C, [&](int64_t r0, int64_t r1, float* acc) { add_rows(x + r0 * C, r1 - r0, C, acc); },
      mean);
  for (int64_t c = 0; c < C; ++c) mean[c] /= n;
  std::vector<float> s(static_cast<size_t>(2 * C));
  column_sums<2>(
      R, C,
      [&](int64_t r0, int64_t r1, float* acc) {
        add_deviations(x + r0 * C, r1 - r0, C, mean, acc, acc + C);
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
        R, C,
        [&](int64_t r0, int64_t r1, float* acc) {
          add_grad_terms(dy + r0 * C, x + r0 * C, r1 - r0, C, mean, acc, acc + C);
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
    for (int64_t r = r0; r < r1; ++r) {
      float m, inv;
      row_stats(x + r * C, C, eps, m, inv);
      ln_apply_row(x + r * C, C, m, inv, gamma, beta, y + r * C);
      if (mean) mean[r] = m;
      if (inv_std) inv_std[r] = inv;
    }
  });
}

void layer_norm_backward(const float* dy, const float* x, const float* mean,
                         const float* inv_std, const float* gamma, int64_t R, int64_t C,
                         float* dx, float* dgamma, float* dbeta) {
  // dy, x, dx are (R, C); mean and inv_std (R); gamma, dgamma, dbeta (C).
  if (C <= 0) return;
  auto dx_rows = [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      ln_dx_row(dy + r * C, x + r * C, C, mean[r], inv_std[r], gamma, dx + r * C);
  };
  if (!dgamma && !dbeta) {
    if (dx) parallel_for(R, row_grain(C), dx_rows);
    return;
  }
  // One pass over each block of rows: its dx rows and its parts of dbeta and dgamma.
  std::vector<float> s(static_cast<size_t>(2 * C));
  column_sums<2>(
      R, C,
      [&](int64_t r0, int64_t r1, float* acc) {
        if (dx) dx_rows(r0, r1);
        for (int64_t r = r0; r < r1; ++r) {
          const float* d = dy + r * C;
          const float* xr = x + r * C;
          const float m = mean[r], inv = inv_std[r];
          for (int64_t c = 0; c < C; ++c) {
            acc[c] += d[c];
            acc[C + c] += d[c] * ((xr[c] - m) * inv);
          }
        }
      },
      s.data());
  if (dbeta) std::copy(s.begin(), s.begin() + C, dbeta);
  if (dgamma) std::copy(s.begin() + C, s.end(), dgamma);
}

}  // namespace pyfastfit::cpu
