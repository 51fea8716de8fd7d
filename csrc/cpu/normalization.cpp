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
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kBlockRows = 32;   // rows a leaf block sums directly
constexpr int64_t kLeaves = 64;      // leaf blocks per super-block, added pairwise
constexpr int kLevels = 7;           // log2(kLeaves) + 1 levels of partial sums
constexpr int64_t kSpan = kBlockRows * kLeaves;  // rows per super-block
constexpr int64_t kColTile = 1024;   // channels per task of a column sum
constexpr int64_t kLeaf = 256;       // row terms summed directly (in 4 x 8 lanes)
constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk

int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(C, 1)); }

/** Sums the leaf blocks of rows [r0, r1) (at most kLeaves of them) pairwise into res
 *  (w floats): a binary counter of partial sums, so each leaf's sum meets its
 *  neighbour's before either meets older ones. scratch holds kLevels + 1 rows of w. */
template <typename Block>
void super_block_sum(int64_t r0, int64_t r1, int64_t c0, int64_t cw, int64_t w,
                     Block& block, float* scratch, float* res) {
  float* cur = scratch + kLevels * w;
  bool full[kLevels + 1] = {};
  for (int64_t r = r0; r < r1; r += kBlockRows) {
    std::fill(cur, cur + w, 0.f);
    block(r, std::min(r1, r + kBlockRows), c0, cw, cur);
    int l = 0;
    for (; l < kLevels && full[l]; ++l) {
      const float* older = scratch + l * w;
      for (int64_t j = 0; j < w; ++j) cur[j] = older[j] + cur[j];
      full[l] = false;
    }
    std::copy(cur, cur + w, scratch + l * w);
    full[l] = true;
  }
  std::fill(res, res + w, 0.f);
  for (int l = kLevels - 1; l >= 0; --l)
    if (full[l])
      for (int64_t j = 0; j < w; ++j) res[j] += scratch[l * w + j];
}

/** Sums K per-channel quantities over the R rows into out[k * C + c]:
 *  block(r0, r1, c0, cw, acc) adds rows [r0, r1) of channels [c0, c0 + cw) into
 *  acc[k * cw + c - c0] (zeroed). Tasks are (super-block of kSpan rows, tile of `tile`
 *  channels); leaf blocks, super-blocks and tiles never depend on the thread count, and
 *  super-block partials are added in a fixed pairwise tree. */
template <int K, typename Block>
void column_sums(int64_t R, int64_t C, int64_t tile, Block&& block, float* out) {
  const int64_t w = K * C;
  const int64_t ns = std::max<int64_t>(1, (R + kSpan - 1) / kSpan);
  const int64_t nt = (C + tile - 1) / tile;
  std::vector<float> part(static_cast<size_t>(ns > 1 ? ns * w : 0));
  float* dst0 = ns > 1 ? part.data() : out;
  const int64_t cw_max = std::min(C, tile);
  const int64_t task = std::max<int64_t>(std::min(R, kSpan) * cw_max, 1);
  parallel_for(ns * nt, std::max<int64_t>(1, kGrain / task), [&](int64_t t0, int64_t t1) {
    std::vector<float> scratch(static_cast<size_t>((kLevels + 2) * K * cw_max));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t sb = t / nt, c0 = (t % nt) * tile, cw = std::min(tile, C - c0);
      float* res = scratch.data() + (kLevels + 1) * K * cw;
      super_block_sum(sb * kSpan, std::min(R, (sb + 1) * kSpan), c0, cw, K * cw, block,
                      scratch.data(), res);
      for (int k = 0; k < K; ++k)
        std::copy(res + k * cw, res + (k + 1) * cw, dst0 + sb * w + k * C + c0);
    }
  });
  if (ns == 1) return;
  float* p = part.data();
  for (int64_t s = 1; s < ns; s *= 2)
    for (int64_t b = 0; b + s < ns; b += 2 * s) {
      float* dst = p + b * w;
      const float* src = p + (b + s) * w;
      for (int64_t j = 0; j < w; ++j) dst[j] += src[j];
    }
  std::copy(p, p + w, out);
}

#define PFF_INLINE __attribute__((always_inline)) inline

// 8-float vectors (GCC vector extension) for the row sums; they only live inside the
// inlined helpers of PFF_HOT functions, so the ABI note is moot.
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float v8f __attribute__((vector_size(32)));

PFF_INLINE v8f load8(const float* p) {
  v8f v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

PFF_INLINE float lanes_total(v8f a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

/** sum(a[j]) (b null) or sum(a[j] * b[j]) for j in [0, n <= kLeaf): four 8-lane
 *  accumulators (independent add chains), then lanes and tail. */
PFF_INLINE float leaf_sum(const float* a, const float* b, int64_t n) {
  const v8f zero = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  v8f acc[4] = {zero, zero, zero, zero};
  int64_t j = 0;
  float tail = 0.f;
  if (b) {
    for (; j + 32 <= n; j += 32)
      for (int k = 0; k < 4; ++k) acc[k] += load8(a + j + 8 * k) * load8(b + j + 8 * k);
    for (; j + 8 <= n; j += 8) acc[0] += load8(a + j) * load8(b + j);
    for (; j < n; ++j) tail += a[j] * b[j];
  } else {
    for (; j + 32 <= n; j += 32)
      for (int k = 0; k < 4; ++k) acc[k] += load8(a + j + 8 * k);
    for (; j + 8 <= n; j += 8) acc[0] += load8(a + j);
    for (; j < n; ++j) tail += a[j];
  }
  return lanes_total((acc[0] + acc[1]) + (acc[2] + acc[3])) + tail;
}

/** sum(a) or sum(a * b) over [0, n): leaves of kLeaf terms, added pairwise by a binary
 *  counter (a loop, so it inlines into the PFF_HOT callers). */
PFF_INLINE float pairwise(const float* a, const float* b, int64_t n) {
  if (n <= kLeaf) return leaf_sum(a, b, n);
  float level[48];
  uint64_t full = 0;  // bit l: level[l] holds the sum of 2^l leaves
  for (int64_t j = 0; j < n; j += kLeaf) {
    float v = leaf_sum(a + j, b ? b + j : nullptr, std::min(kLeaf, n - j));
    int l = 0;
    for (; full >> l & 1; ++l) v = level[l] + v;
    full = (full >> l | 1) << l;  // levels below l emptied, l filled
    level[l] = v;
  }
  float total = 0.f;
  for (int l = 47; l >= 0; --l)
    if (full >> l & 1) total += level[l];
  return total;
}

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

/** Rows [r0, r1) of layer_norm_forward; tmp holds C floats. Each row's statistics are
 *  two-pass, the first pass's residual folded back into the mean and the variance. */
PFF_HOT void ln_forward_rows(const float* x, int64_t r0, int64_t r1, int64_t C, float eps,
                             const float* gamma, const float* beta, float* y, float* mean,
                             float* inv_std, float* tmp) {
  const float n = static_cast<float>(C);
  for (int64_t r = r0; r < r1; ++r) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    const float m0 = pairwise(xr, nullptr, C) / n;
    for (int64_t c = 0; c < C; ++c) tmp[c] = xr[c] - m0;
    const float s1 = pairwise(tmp, nullptr, C);
    const float s2 = pairwise(tmp, tmp, C);
    float var = (s2 - s1 * s1 / n) / n;
    var = var < 0.f ? 0.f : var;  // NaN stays NaN
    const float m = m0 + s1 / n;
    const float inv = 1.f / std::sqrt(var + eps);
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

}  // namespace pyfastfit::cpu
