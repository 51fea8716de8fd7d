// Deterministic float32 sums shared by the normalization kernels (normalization.cpp,
// group_norm.cpp): column sums over rows in fixed leaf blocks added pairwise, and row
// sums in fixed leaves added pairwise. No boundary depends on the thread count, so eager
// ops and Programs get the same bits.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/threads.h"

namespace pyfastfit::cpu::norm_sums {

constexpr int64_t kBlockRows = 32;   // rows a leaf block sums directly
constexpr int64_t kLeaves = 64;      // leaf blocks per super-block, added pairwise
constexpr int kLevels = 7;           // log2(kLeaves) + 1 levels of partial sums
constexpr int64_t kSpan = kBlockRows * kLeaves;  // rows per super-block
constexpr int64_t kColTile = 1024;   // channels per task of a column sum
constexpr int64_t kLeaf = 256;       // row terms summed directly (in 4 x 8 lanes)
constexpr int64_t kGrain = 1 << 15;  // elements per thread chunk

inline int64_t row_grain(int64_t C) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(C, 1)); }

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

/** Mean and 1 / sqrt(biased variance + eps) of the n values at x, two-pass, the first
 *  pass's residual folded back into the mean and the variance (Chan, Golub & LeVeque
 *  1983); tmp holds n floats. */
PFF_INLINE void moments_of(const float* x, int64_t n, float eps, float* tmp, float* mean,
                           float* inv_std) {
  const float fn = static_cast<float>(n);
  const float m0 = pairwise(x, nullptr, n) / fn;
  for (int64_t c = 0; c < n; ++c) tmp[c] = x[c] - m0;
  const float s1 = pairwise(tmp, nullptr, n);
  const float s2 = pairwise(tmp, tmp, n);
  float var = (s2 - s1 * s1 / fn) / fn;
  var = var < 0.f ? 0.f : var;  // NaN stays NaN
  *mean = m0 + s1 / fn;
  *inv_std = 1.f / std::sqrt(var + eps);
}

}  // namespace pyfastfit::cpu::norm_sums
