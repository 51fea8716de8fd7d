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

/** One entry's input gradient into its sample's ds (kernel transposed to (O, patch)). */
PFF_HOT void input_grad_entry(const ConvGradEntry& en, const float* kt, float* ds,
                              const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch();
  const float* krow = kt + en.o * P;
  float* dg = ds + (en.o / g.og()) * cg;
  const float v = en.dz;
  for_taps(g, en.pos, [&](int64_t t, int64_t off) {
    float* d = dg + off;
    const float* kv = krow + t * cg;
    for (int64_t c = 0; c < cg; ++c) d[c] += v * kv[c];
  });
}

/** r[u] += sum over i < k of d[i] * p[i][u], u < len. Rows come eight at a time, so each
 *  of r's vectors is loaded and stored once per eight multiply-adds: the per-entry loops
 *  above move a store per multiply-add, which bounds them at half the FMA rate. */
PFF_HOT void add_scaled_rows(float* __restrict r, const float* const* p, const float* d,
                             int64_t k, int64_t len) {
  int64_t i = 0;
  for (; i + 8 <= k; i += 8) {
    const float *p0 = p[i], *p1 = p[i + 1], *p2 = p[i + 2], *p3 = p[i + 3];
    const float *p4 = p[i + 4], *p5 = p[i + 5], *p6 = p[i + 6], *p7 = p[i + 7];
    const float d0 = d[i], d1 = d[i + 1], d2 = d[i + 2], d3 = d[i + 3];
    const float d4 = d[i + 4], d5 = d[i + 5], d6 = d[i + 6], d7 = d[i + 7];
    for (int64_t u = 0; u < len; ++u) {
      float a = r[u];
      a += d0 * p0[u];
      a += d1 * p1[u];
      a += d2 * p2[u];
      a += d3 * p3[u];
      a += d4 * p4[u];
      a += d5 * p5[u];
      a += d6 * p6[u];
      a += d7 * p7[u];
      r[u] = a;
    }
  }
  for (; i < k; ++i) {
    const float* pi = p[i];
    const float di = d[i];
    for (int64_t u = 0; u < len; ++u) r[u] += di * pi[u];
  }
}

/** Where a patch's floats lie, for the dense case (one group, no dilation along the
 *  width): the patch's (kd, kh) row of taps s is `len` = KW * C consecutive floats, at
 *  in_x[s] from the patch's first float in x and at in_row[s] in a patch row. */
struct PatchRows {
  bool dense = false;
  int64_t len = 0;
  std::vector<int64_t> in_x, in_row;
};

PatchRows patch_rows(const ConvGeom& g) {
  PatchRows r;
  r.dense = g.groups == 1 && g.dw == 1;
  if (!r.dense) return r;
  r.len = g.KW * g.C;
  for (int64_t kd = 0; kd < g.KD; ++kd)
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      r.in_x.push_back(((kd * g.dd * g.H) + kh * g.dh) * g.W * g.C);
      r.in_row.push_back(static_cast<int64_t>(r.in_row.size()) * r.len);
    }
  return r;
}

/** The offset in its sample of the first float of output position pos's patch, or -1
 *  when a tap reads padding. */
inline int64_t interior_origin(const ConvGeom& g, int64_t pos) {
  const int64_t od = pos / (g.OH * g.OW), oh = (pos / g.OW) % g.OH, ow = pos % g.OW;
  const int64_t id = od * g.sd - g.pf, ih = oh * g.sh - g.pt, iw = ow * g.sw - g.pl;
  if (id < 0 || id + (g.KD - 1) * g.dd >= g.D || ih < 0 || ih + (g.KH - 1) * g.dh >= g.H ||
      iw < 0 || iw + (g.KW - 1) * g.dw >= g.W)
    return -1;
  return ((id * g.H + ih) * g.W + iw) * g.C;
}

/** Up to kGather entries' pointers (patch origins or kernel rows) and gradients, flushed
 *  into a destination row one (kd, kh) segment at a time through add_scaled_rows. */
constexpr int64_t kGather = 64;
struct Gathered {
  const float* at[kGather];
  float dz[kGather];
  int64_t k = 0;
};

/** For each segment s of pr: dst + dst_off[s] += the gathered rows + src_off[s], scaled
 *  (the kernel gradient reads patches and writes a row; the input gradient the reverse). */
void flush(Gathered& b, float* dst, const std::vector<int64_t>& dst_off,
           const std::vector<int64_t>& src_off, int64_t len) {
  const float* ptr[kGather];
  for (size_t s = 0; s < dst_off.size(); ++s) {
    for (int64_t i = 0; i < b.k; ++i) ptr[i] = b.at[i] + src_off[s];
    add_scaled_rows(dst + dst_off[s], ptr, b.dz, b.k, len);
  }
  b.k = 0;
}

/** The kernel gradient rows of filters [o0, o1) from their entries (listed in entry
 *  order): sample tiles of kTile samples (x in L2), each filter's in-bounds entries of the
 *  tile gathered and added in groups (flush), the others entry by entry. */
void kernel_grad_block(const ConvGradEntry* entries, const int64_t* list, int64_t count,
                       const float* x, float* dkt, int64_t o0, int64_t o1,
                       const ConvGeom& g, const PatchRows& pr) {
  if (!pr.dense) {
    kernel_grad_rows(entries, list, count, x, dkt, g);
    return;
  }
  constexpr int64_t kTile = 4;
  const int64_t P = g.patch(), ins = g.in_sample();
  std::vector<Gathered> bucket(static_cast<size_t>(o1 - o0));
  auto flush_all = [&] {
    for (int64_t o = o0; o < o1; ++o) {
      Gathered& b = bucket[static_cast<size_t>(o - o0)];
      if (b.k) flush(b, dkt + o * P, pr.in_row, pr.in_x, pr.len);
    }
  };
  int64_t tile = -1;
  for (int64_t i = 0; i < count; ++i) {
    const ConvGradEntry& e = entries[list[i]];
    if (e.n / kTile != tile) {
      flush_all();
      tile = e.n / kTile;
    }
    const int64_t origin = interior_origin(g, e.pos);
    if (origin < 0) {
      kernel_grad_rows(entries, list + i, 1, x, dkt, g);
      continue;
    }
    Gathered& b = bucket[static_cast<size_t>(e.o - o0)];
    b.at[b.k] = x + e.n * ins + origin;
    b.dz[b.k] = e.dz;
    if (++b.k == kGather) flush(b, dkt + e.o * P, pr.in_row, pr.in_x, pr.len);
  }
  flush_all();
}

/** One sample's input gradient (cleared first) from its entries [b, e) and the kernel
 *  transposed to (O, patch): the in-bounds entries grouped by position, each position's
 *  patch of ds receiving its filters' kernel rows in groups (flush). */
void input_grad_sample(const ConvGradEntry* entries, int64_t b, int64_t e, const float* kt,
                       float* ds, const ConvGeom& g, const PatchRows& pr,
                       std::vector<int64_t>& order, std::vector<int64_t>& first) {
  std::memset(ds, 0, sizeof(float) * g.in_sample());
  if (!pr.dense) {
    for (int64_t i = b; i < e; ++i) input_grad_entry(entries[i], kt, ds, g);
    return;
  }
  // The entries by position (a counting sort; entry order kept within a position).
  const int64_t positions = g.positions(), P = g.patch();
  first.assign(static_cast<size_t>(positions + 1), 0);
  for (int64_t i = b; i < e; ++i) ++first[entries[i].pos + 1];
  for (int64_t p = 0; p < positions; ++p) first[p + 1] += first[p];
  order.resize(static_cast<size_t>(e - b));
  for (int64_t i = b; i < e; ++i) order[first[entries[i].pos]++] = i;
  Gathered rows;
  int64_t i = 0;
  for (int64_t p = 0; p < positions; ++p) {
    const int64_t end = first[p];  // advanced to the position's end by the fill above
    if (i == end) continue;
    const int64_t origin = interior_origin(g, p);
    for (; i < end; ++i) {
      const ConvGradEntry& en = entries[order[i]];
      if (origin < 0) {
        input_grad_entry(en, kt, ds, g);
        continue;
      }
      rows.at[rows.k] = kt + en.o * P;
      rows.dz[rows.k] = en.dz;
      if (++rows.k == kGather) flush(rows, ds + origin, pr.in_x, pr.in_row, pr.len);
    }
    if (rows.k) flush(rows, ds + origin, pr.in_x, pr.in_row, pr.len);
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
  const PatchRows pr = patch_rows(g);
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
      kernel_grad_block(entries.data(), list.data() + first[b], first[b + 1] - first[b], x,
                        dkt.data(), b * kFilterBlock, std::min(O, (b + 1) * kFilterBlock), g,
                        pr);
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
    std::vector<int64_t> order, firsts;
    for (int64_t n = n0; n < n1; ++n)
      input_grad_sample(entries.data(), start[n], start[n + 1], kt.data(),
                        dx + n * g.in_sample(), g, pr, order, firsts);
  });
}

}  // namespace pyfastfit::cpu
