#include "cpu/conv_sparse.h"

#include <algorithm>
#include <cstring>

#include "core/threads.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {

namespace {

/** d[i] += v * x[i], i < n (AVX2 clone: a tap's channels). */
PFF_HOT void add_scaled(float* d, const float* x, float v, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] += v * x[i];
}

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
  if (act != Activation::linear && !e.empty()) {
    // act' at the entries' positions only: gathered into short rows for the shared kernel.
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
    // Drop the entries act' zeroes: relu's all-negative filters tie at zero over every
    // position (the dense backward's zero terms, which add nothing).
    size_t kept = 0;
    for (size_t i = 0; i < m; ++i)
      if (dz[i] != 0.f) e[kept++] = {e[i].n, e[i].pos, e[i].o, dz[i]};
    e.resize(kept);
  }
  return e;
}

namespace {

/** Calls f(kernel tap index t, input offset of the tap's pixel within the sample) for
 *  every tap of output position `pos` that reads inside the input (padding reads zeros
 *  and contributes nothing). */
template <typename F>
void for_taps(const ConvGeom& g, int64_t pos, F&& f) {
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

}  // namespace

void conv_backward_at(const std::vector<ConvGradEntry>& entries, const float* x,
                      const float* kernel, float* dkernel, float* dbias, float* dx,
                      const ConvGeom& g) {
  const int64_t cg = g.cg(), og = g.og(), O = g.O, P = g.patch(), ins = g.in_sample();
  const int64_t m = static_cast<int64_t>(entries.size());
  if (dbias) {
    std::fill(dbias, dbias + O, 0.f);
    for (const ConvGradEntry& e : entries) dbias[e.o] += e.dz;
  }
  // Per filter, the patch's values are consecutive in x (cg channels of a pixel) but
  // O apart in the kernel's layout: accumulate each filter's row of a transposed
  // kernel gradient (O, patch), contiguous with x, then transpose it.
  std::vector<float> dkt(static_cast<size_t>(O * P), 0.f);
  const int64_t per_filter = m * P / std::max<int64_t>(O, 1) + 1;  // multiply-adds
  parallel_for(O, std::max<int64_t>(1, 32768 / per_filter), [&](int64_t o0, int64_t o1) {
    for (const ConvGradEntry& e : entries) {
      if (e.o < o0 || e.o >= o1) continue;
      float* row = dkt.data() + e.o * P;
      const float* xs = x + e.n * ins + (e.o / og) * cg;
      const float v = e.dz;
      for_taps(g, e.pos,
               [&](int64_t t, int64_t off) { add_scaled(row + t * cg, xs + off, v, cg); });
    }
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
    for (int64_t n = n0; n < n1; ++n) {
      float* ds = dx + n * ins;
      std::memset(ds, 0, sizeof(float) * ins);
      for (int64_t i = start[n]; i < start[n + 1]; ++i) {
        const ConvGradEntry& e = entries[i];
        const float* krow = kt.data() + e.o * P;
        float* dg = ds + (e.o / og) * cg;
        const float v = e.dz;
        for_taps(g, e.pos, [&](int64_t t, int64_t off) {
          add_scaled(dg + off, krow + t * cg, v, cg);
        });
      }
    }
  });
}

}  // namespace pyfastfit::cpu
