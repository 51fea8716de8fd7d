#include "cpu/conv_sparse.h"

#include <algorithm>
#include <cstring>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {

namespace {

/** Whether any of y[t] == rep[t], t < n. */
PFF_HOT bool any_equal(const float* y, const float* rep, int64_t n) {
  int any = 0;
  for (int64_t t = 0; t < n; ++t) any |= y[t] == rep[t];
  return any != 0;
}

}  // namespace

void global_max_positions(const float* y, const float* pooled, int32_t* first,
                          int32_t* ties, int64_t rows, int64_t positions, int64_t channels) {
  const int64_t n = positions * channels;
  // The row is walked as one flat array against pooled repeated over a period of whole
  // pixels (the compare vectorises for any channel count); only the blocks holding a
  // maximum, a handful per row, are walked again value by value.
  int64_t period = channels;  // whole pixels, a multiple of 16 floats, at least 64
  while (period % 16 != 0) period += channels;
  while (period < 64) period *= 2;
  std::vector<float> rep(static_cast<size_t>(period));
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * n;
    const float* pr = pooled + r * channels;
    int32_t* fr = first + r * channels;
    int32_t* tr = ties + r * channels;
    for (int64_t t = 0; t < period; ++t) rep[t] = pr[t % channels];
    std::fill(fr, fr + channels, -1);
    std::fill(tr, tr + channels, 0);
    for (int64_t k = 0; k < n; k += period) {
      const int64_t len = std::min(period, n - k);
      if (!any_equal(yr + k, rep.data(), len)) continue;
      for (int64_t t = 0; t < len; ++t) {
        if (yr[k + t] != rep[t]) continue;
        const int64_t c = t % channels;
        if (tr[c]++ == 0) fr[c] = static_cast<int32_t>((k + t) / channels);
      }
    }
  }
}

namespace {

/** Multiplies each entry's gradient by act' at its position (y = act(z), rows of
 *  positions x channels) and drops the entries it zeroes: relu's filters that are negative
 *  over a whole window or row tie at zero (the dense backward's zero terms, which add
 *  nothing). */
void through_activation(Activation act, float alpha, const float* y, const float* z,
                        int64_t positions, int64_t channels, std::vector<ConvGradEntry>& e) {
  if (act == Activation::linear || e.empty()) return;
  // act' at the entries' positions only: gathered into one short row for the shared kernel.
  const size_t m = e.size();
  std::vector<float> g(m), zs(z ? m : 0), ys(m), dz(m);
  for (size_t i = 0; i < m; ++i) {
    const int64_t at = (e[i].n * positions + e[i].pos) * channels + e[i].o;
    g[i] = e[i].dz;
    ys[i] = y[at];
    if (z) zs[i] = z[at];
  }
  activation_backward(act, g.data(), z ? zs.data() : nullptr, ys.data(), dz.data(), 1,
                      static_cast<int64_t>(m), alpha);
  size_t kept = 0;
  for (size_t i = 0; i < m; ++i)
    if (dz[i] != 0.f) e[kept++] = {e[i].n, e[i].pos, e[i].o, dz[i]};
  e.resize(kept);
}

}  // namespace

std::vector<ConvGradEntry> global_max_grad_entries(
    Activation act, float alpha, const float* dpooled, const float* pooled, const float* y,
    const float* z, const int32_t* first, const int32_t* ties, int64_t rows,
    int64_t positions, int64_t channels) {
  std::vector<ConvGradEntry> e;
  e.reserve(static_cast<size_t>(rows * channels));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < channels; ++c) {
      const int64_t k = r * channels + c;
      if (ties[k] == 0) continue;  // a NaN max: no position equals it, no gradient
      const float share = dpooled[k] / static_cast<float>(ties[k]);
      e.push_back({r, first[k], c, share});
      for (int64_t p = first[k] + 1; ties[k] > 1 && p < positions; ++p)
        if (y[(r * positions + p) * channels + c] == pooled[k]) e.push_back({r, p, c, share});
    }
  }
  through_activation(act, alpha, y, z, positions, channels, e);
  return e;
}

std::vector<ConvGradEntry> max_pool_grad_entries(Activation act, float alpha,
                                                 const float* dpooled, const int32_t* idx,
                                                 const float* pooled_out, const float* z_at,
                                                 int64_t rows, int64_t windows,
                                                 int64_t channels) {
  // Blocks of samples in parallel, joined in order (the same list for any thread count).
  // act' reads the pooled values (y at each argmax) and z there: no gather from the
  // convolution's output.
  constexpr int64_t kRowBlock = 8;
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock, per_row = windows * channels;
  std::vector<std::vector<ConvGradEntry>> parts(static_cast<size_t>(blocks));
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<float> dz(static_cast<size_t>(kRowBlock * per_row));
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      const int64_t at = r0 * per_row, m = (r1 - r0) * per_row;
      activation_backward(act, dpooled + at, z_at ? z_at + at : nullptr, pooled_out + at,
                          dz.data(), 1, m, alpha);
      std::vector<ConvGradEntry>& e = parts[b];
      e.reserve(static_cast<size_t>(m));
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t q = 0; q < windows; ++q)
          for (int64_t c = 0; c < channels; ++c) {
            const int64_t k = (r * windows + q) * channels + c;
            if (idx[k] >= 0 && dz[k - at] != 0.f) e.push_back({r, idx[k], c, dz[k - at]});
          }
    }
  });
  size_t total = 0;
  for (const auto& part : parts) total += part.size();
  std::vector<ConvGradEntry> e;
  e.reserve(total);
  for (const auto& part : parts) e.insert(e.end(), part.begin(), part.end());
  return e;
}

namespace {

/** Calls f(kernel tap index t, input offset of the tap's pixel within the sample) for
 *  every tap of output position `pos` that reads inside the input (padding reads zeros
 *  and contributes nothing). */
template <typename F>
inline __attribute__((always_inline)) void for_taps(const ConvGeom& g, int64_t pos, F&& f) {
  const int64_t od = pos / (g.OH * g.OW), oh = (pos / g.OW) % g.OH, ow = pos % g.OW;
  for (int64_t kd = 0; kd < g.KD; ++kd) {
    const int64_t id = od * g.sd - g.pf + kd * g.dd;
    if (id < 0 || id >= g.D) continue;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
      if (ih < 0 || ih >= g.H) continue;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
        if (iw < 0 || iw >= g.W) continue;
        f((kd * g.KH + kh) * g.KW + kw, ((id * g.H + ih) * g.W + iw) * g.C);
      }
    }
  }
}

/** Rows of the transposed kernel gradient dkt (O, patch floats in (tap, channel) order) +=
 *  each listed entry's dz times its patch, into its filter's row. The loops live in this
 *  clone so the channel loop vectorises. */
PFF_HOT void kernel_grad_rows(const ConvGradEntry* entries, const int64_t* list,
                              int64_t count, const float* x, float* dkt, const ConvGeom& g) {
  const int64_t cg = g.cg(), ins = g.in_sample(), P = g.patch();
  for (int64_t i = 0; i < count; ++i) {
    const ConvGradEntry& e = entries[list[i]];
    const float* xs = x + e.n * ins + (e.o / g.og()) * cg;
    float* row = dkt + e.o * P;
    const float v = e.dz;
    for_taps(g, e.pos, [&](int64_t t, int64_t off) {
      float* d = row + t * cg;
      const float* xv = xs + off;
      for (int64_t c = 0; c < cg; ++c) d[c] += v * xv[c];
    });
  }
}

/** One sample's input gradient (cleared first) from its entries [b, e) and the kernel
 *  transposed to (O, patch). */
PFF_HOT void input_grad_sample(const ConvGradEntry* entries, int64_t b, int64_t e,
                               const float* kt, float* ds, const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch();
  std::memset(ds, 0, sizeof(float) * g.in_sample());
  for (int64_t i = b; i < e; ++i) {
    const ConvGradEntry& en = entries[i];
    const float* krow = kt + en.o * P;
    float* dg = ds + (en.o / g.og()) * cg;
    const float v = en.dz;
    for_taps(g, en.pos, [&](int64_t t, int64_t off) {
      float* d = dg + off;
      const float* kv = krow + t * cg;
      for (int64_t c = 0; c < cg; ++c) d[c] += v * kv[c];
    });
  }
}

}  // namespace

void conv_backward_at(const std::vector<ConvGradEntry>& entries, const float* x,
                      const float* kernel, float* dkernel, float* dbias, float* dx,
                      const ConvGeom& g) {
  const int64_t O = g.O, P = g.patch();
  const int64_t m = static_cast<int64_t>(entries.size());
  if (dbias) {
    std::fill(dbias, dbias + O, 0.f);
    for (const ConvGradEntry& e : entries) dbias[e.o] += e.dz;
  }
  // Per filter, the patch's values are consecutive in x (cg channels of a pixel) but O
  // apart in the kernel's layout: each filter's row of a transposed kernel gradient (O,
  // patch) is accumulated, then transposed into place. The filters are split in blocks
  // of kFilterBlock rows (a few KB, kept in L1) whose entries are walked in entry order,
  // sample by sample (each sample's x stays in cache); the sums do not depend on the
  // thread count.
  constexpr int64_t kFilterBlock = 8;
  const int64_t blocks = (O + kFilterBlock - 1) / kFilterBlock;
  std::vector<int64_t> first(static_cast<size_t>(blocks + 1), 0), list(static_cast<size_t>(m));
  for (const ConvGradEntry& e : entries) ++first[e.o / kFilterBlock + 1];
  for (int64_t b = 0; b < blocks; ++b) first[b + 1] += first[b];
  {
    std::vector<int64_t> fill(first.begin(), first.end() - 1);
    for (int64_t i = 0; i < m; ++i) list[fill[entries[i].o / kFilterBlock]++] = i;
  }
  std::vector<float> dkt(static_cast<size_t>(O * P), 0.f);
  const int64_t per_block = m * P / blocks + 1;  // multiply-adds
  parallel_for(blocks, std::max<int64_t>(1, 32768 / per_block), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      kernel_grad_rows(entries.data(), list.data() + first[b], first[b + 1] - first[b], x,
                       dkt.data(), g);
  });
  for (int64_t t = 0; t < P; ++t)
    for (int64_t o = 0; o < O; ++o) dkernel[t * O + o] = dkt[o * P + t];
  if (!dx) return;
  std::vector<float> kt(static_cast<size_t>(O * P));  // the kernel transposed likewise
  for (int64_t t = 0; t < P; ++t)
    for (int64_t o = 0; o < O; ++o) kt[o * P + t] = kernel[t * O + o];
  // Entries come sample by sample: each sample's input gradient is one task.
  std::vector<int64_t> start(static_cast<size_t>(g.N + 1), m);
  for (int64_t i = m - 1; i >= 0; --i) start[entries[i].n] = i;
  for (int64_t n = g.N - 1; n >= 0; --n) start[n] = std::min(start[n], start[n + 1]);
  parallel_for(g.N, 1, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n)
      input_grad_sample(entries.data(), start[n], start[n + 1], kt.data(),
                        dx + n * g.in_sample(), g);
  });
}

}  // namespace pyfastfit::cpu
