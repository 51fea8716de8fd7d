// Direct convolution for few output channels per group. Each sample is first copied
// into channel planes (see Planes), where the inputs that consecutive output columns read
// are consecutive floats for any stride and dilation; the kernels then run 8 output
// columns per vector with all of a group's output channels in registers.
#include "cpu/conv_small.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/simd.h"

// The vector helpers below are always inlined, so no vector ever crosses a call boundary
// (the ABI note GCC gives for 32-byte vectors in the baseline clone does not apply).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kL = 8;                 // floats per vector (one AVX2 register)
constexpr int64_t kMaxOg = 8;             // conv_small_applies' limits (see its note)
constexpr int64_t kMaxTapWeights = 128;

typedef float v8 __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

#define PFF_INLINE __attribute__((always_inline)) inline
#define PFF_UNROLL _Pragma("GCC unroll 16")
// A broadcast written in place: from a helper function GCC lowers the vector constructor
// before inlining, into a chain of inserts, where in place it is one vbroadcastss.
#define PFF_SPLAT(s) (v8{(s), (s), (s), (s), (s), (s), (s), (s)})

PFF_INLINE v8 load(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
// Lanes added in a fixed order, so the result does not depend on the clone.
PFF_INLINE float hsum(const v8& v) {
  float s = 0.f;
  for (int l = 0; l < kL; ++l) s += v[l];
  return s;
}

int64_t round_up(int64_t v) { return (v + kL - 1) / kL * kL; }

/** One sample's planar, zero-padded layout: plane c, row ih, phase p, column j holds the
 *  padded input column u = iw + pl = j * sw + p. Output column ow's tap kw reads padded
 *  column ow * sw + kw * dw, i.e. phase (kw * dw) % sw at column ow + kw * dw / sw: one
 *  contiguous run over ow whatever the stride. */
struct Planes {
  int64_t OWv;  // vectors per output row
  int64_t Mq;   // columns per phase that hold input
  int64_t Wq;   // columns per phase allocated (a whole vector past the last read)
  int64_t RS;   // row stride (all phases)
  int64_t PS;   // plane stride
  std::vector<int64_t> off;  // per kw: where its run starts inside a row
  explicit Planes(const ConvGeom& g) : off(static_cast<size_t>(g.KW)) {
    OWv = (g.OW + kL - 1) / kL;
    Mq = (g.W + g.pl + g.sw - 1) / g.sw;
    Wq = std::max(round_up(Mq), OWv * kL + (g.KW - 1) * g.dw / g.sw);
    RS = g.sw * Wq;
    PS = g.H * RS;
    for (int64_t kw = 0; kw < g.KW; ++kw)
      off[kw] = kw * g.dw % g.sw * Wq + kw * g.dw / g.sw;
  }
};

/** Rows of n pixels of C channels, src(rows, n, C), into C planes: channel c of pixel j
 *  of row r goes to dst[c * plane + r * row + j]. With C known at compile time the
 *  pixel loop vectorises (loads of whole pixels, shuffled apart); as a channel-at-a-time
 *  strided copy it ran one float per cycle (W4's 3-channel images: 12% of its step). */
template <int C>
PFF_INLINE void deinterleave(const float* __restrict src, int64_t rows, int64_t n,
                             float* __restrict dst, int64_t plane, int64_t row) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * n * C;
    float* d = dst + r * row;
    for (int64_t j = 0; j < n; ++j)
      PFF_UNROLL for (int c = 0; c < C; ++c) d[c * plane + j] = s[j * C + c];
  }
}

/** deinterleave for any channel count: false (nothing done) above 16 channels (W4's
 *  time series has 10). */
PFF_INLINE bool deinterleave_small(const float* src, int64_t rows, int64_t n, int64_t C,
                                   float* dst, int64_t plane, int64_t row) {
  switch (C) {
#define PFF_DI(K) \
  case K: deinterleave<K>(src, rows, n, dst, plane, row); return true;
    PFF_DI(1) PFF_DI(2) PFF_DI(3) PFF_DI(4) PFF_DI(5) PFF_DI(6) PFF_DI(7) PFF_DI(8)
    PFF_DI(9) PFF_DI(10) PFF_DI(11) PFF_DI(12) PFF_DI(13) PFF_DI(14) PFF_DI(15) PFF_DI(16)
#undef PFF_DI
    default: return false;
  }
}

/** One sample x(H, W, C) into its planes q (C * PS floats). Plane rows are written one
 *  phase at a time, contiguous stores from strided loads: per-pixel bookkeeping cost more
 *  than the copy itself at 3 channels. */
PFF_HOT void to_planes(const float* xs, float* q, const ConvGeom& g, const Planes& P) {
  std::fill(q, q + g.C * P.PS, 0.f);
  // Stride 1: one phase, input column iw at plane column pl + iw.
  if (g.sw == 1 && deinterleave_small(xs, g.H, g.W, g.C, q + g.pl, P.PS, P.RS)) return;
  for (int64_t p = 0; p < g.sw; ++p) {
    // Columns j of phase p that hold input: 0 <= j * sw + p - pl < W.
    const int64_t j_lo = std::max<int64_t>(0, (g.pl - p + g.sw - 1) / g.sw);
    const int64_t iw_lo = j_lo * g.sw + p - g.pl;
    if (iw_lo >= g.W) continue;
    const int64_t nj = (g.W - 1 - iw_lo) / g.sw + 1, step = g.sw * g.C;
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t ih = 0; ih < g.H; ++ih) {
        const float* s = xs + (ih * g.W + iw_lo) * g.C + c;
        float* d = q + c * P.PS + ih * P.RS + p * P.Wq + j_lo;
        for (int64_t j = 0; j < nj; ++j) d[j] = s[j * step];
      }
  }
}

/** One sample's dout(OH, OW, O) into planes of `width` floats per row, output column ow
 *  at lead + ow, zeros around. */
PFF_HOT void grad_planes(const float* gs, float* q, int64_t width, int64_t lead,
                         const ConvGeom& g) {
  const int64_t GS = g.OH * width;
  std::fill(q, q + g.O * GS, 0.f);
  if (deinterleave_small(gs, g.OH, g.OW, g.O, q + lead, GS, width)) return;
  for (int64_t o = 0; o < g.O; ++o)
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const float* s = gs + oh * g.OW * g.O + o;
      float* d = q + o * GS + oh * width + lead;
      for (int64_t ow = 0; ow < g.OW; ++ow) d[ow] = s[ow * g.O];
    }
}

/** The kernel (KH, KW, cg, O) as [group][c][kh][kw][og]: a tap's og weights adjacent. */
std::vector<float> pack_kernel(const float* k, const ConvGeom& g) {
  const int64_t cg = g.cg(), og = g.og();
  std::vector<float> kg(static_cast<size_t>(g.patch() * g.O));
  float* d = kg.data();
  for (int64_t gi = 0; gi < g.groups; ++gi)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t t = 0; t < g.KH * g.KW; ++t)
        for (int64_t o = 0; o < og; ++o) *d++ = k[(t * cg + c) * g.O + gi * og + o];
  return kg;
}

#define PFF_OG_SWITCH(og, CALL) \
  switch (og) {                 \
    case 1: CALL(1); break;     \
    case 2: CALL(2); break;     \
    case 3: CALL(3); break;     \
    case 4: CALL(4); break;     \
    case 5: CALL(5); break;     \
    case 6: CALL(6); break;     \
    case 7: CALL(7); break;     \
    default: CALL(8); break;    \
  }

// ---- forward ------------------------------------------------------------------------

/** Output vectors [0, B) from q (the group's first plane, at the block's first column):
 *  rows[r] is the r-th tap row's offset in a plane, khs[r] its kh. tmp gets [o][b][lane]. */
template <int OG, int B>
PFF_INLINE void fwd_block(const float* q, const float* kg, const int64_t* rows,
                          const int64_t* khs, int64_t nr, const int64_t* off,
                          const ConvGeom& g, int64_t PS, float* tmp) {
  v8 acc[B][OG];
  PFF_UNROLL for (int b = 0; b < B; ++b)
    PFF_UNROLL for (int o = 0; o < OG; ++o) acc[b][o] = v8{};
  const int64_t cg = g.cg(), KW = g.KW, KH = g.KH;
  for (int64_t c = 0; c < cg; ++c)
    for (int64_t r = 0; r < nr; ++r) {
      const float* xr = q + c * PS + rows[r];
      const float* kk = kg + (c * KH + khs[r]) * KW * OG;
      for (int64_t kw = 0; kw < KW; ++kw, kk += OG) {
        const float* xp = xr + off[kw];
        v8 xv[B];
        PFF_UNROLL for (int b = 0; b < B; ++b) xv[b] = load(xp + b * kL);
        PFF_UNROLL for (int o = 0; o < OG; ++o) {
          const v8 kv = PFF_SPLAT(kk[o]);
          PFF_UNROLL for (int b = 0; b < B; ++b) acc[b][o] += xv[b] * kv;
        }
      }
    }
  PFF_UNROLL for (int o = 0; o < OG; ++o)
    PFF_UNROLL for (int b = 0; b < B; ++b)
      std::memcpy(tmp + (o * B + b) * kL, &acc[b][o], sizeof(v8));
}

/** Writes nb vectors of tmp ([o][b][lane]) to the output row from column v * kL. */
template <int OG>
PFF_INLINE void fwd_put(const float* __restrict tmp, int nb, int64_t v,
                        float* __restrict orow, const ConvGeom& g) {
  // tmp holds channel o's columns from v * kL on at o * nb * kL: written out pixel by
  // pixel, which vectorises when the pixel is exactly this group's OG channels.
  const int64_t n = std::min(g.OW, (v + nb) * kL) - v * kL, ps = nb * kL;
  float* __restrict d = orow + v * kL * g.O;
  if (g.O == OG) {
    for (int64_t j = 0; j < n; ++j)
      PFF_UNROLL for (int o = 0; o < OG; ++o) d[j * OG + o] = tmp[o * ps + j];
  } else {
    for (int64_t j = 0; j < n; ++j)
      PFF_UNROLL for (int o = 0; o < OG; ++o) d[j * g.O + o] = tmp[o * ps + j];
  }
}

/** One block of b vectors (1 <= b <= BM) at column v: b picks the instantiation. */
template <int OG, int BM>
PFF_INLINE void fwd_blocks(int b, int64_t v, const float* q, const float* kg,
                           const int64_t* rows, const int64_t* khs, int64_t nr,
                           const Planes& P, const ConvGeom& g, float* orow, float* tmp) {
  if constexpr (BM > 1) {
    if (b < BM) return fwd_blocks<OG, BM - 1>(b, v, q, kg, rows, khs, nr, P, g, orow, tmp);
  }
  fwd_block<OG, BM>(q + v * kL, kg, rows, khs, nr, P.off.data(), g, P.PS, tmp);
  fwd_put<OG>(tmp, BM, v, orow, g);
}

template <int OG>
PFF_INLINE void fwd_row(const float* q, const float* kg, const int64_t* rows,
                        const int64_t* khs, int64_t nr, const Planes& P, const ConvGeom& g,
                        float* orow) {
  // B * OG accumulators, B x vectors and one weight in the 16 registers (more spills
  // an accumulator, and its FMA chain then runs through memory).
  constexpr int BM = std::min(8, std::max(1, 15 / (OG + 1)));
  alignas(32) float tmp[BM * OG * kL];
  // Blocks of near-equal size: a lone 1-vector tail block would be one latency chain.
  const int64_t nblocks = (P.OWv + BM - 1) / BM, base = P.OWv / nblocks;
  const int64_t extra = P.OWv % nblocks;
  for (int64_t i = 0, v = 0; i < nblocks; ++i) {
    const int b = static_cast<int>(base + (i < extra));
    fwd_blocks<OG, BM>(b, v, q, kg, rows, khs, nr, P, g, orow, tmp);
    v += b;
  }
}

/** Sample n's output from its planes q. rows/khs: KH scratch entries each. */
PFF_HOT void fwd_sample(const float* q, const float* kg, float* out, int64_t n,
                        const ConvGeom& g, const Planes& P, int64_t* rows, int64_t* khs) {
  const int64_t cg = g.cg(), og = g.og();
  for (int64_t gi = 0; gi < g.groups; ++gi) {
    const float* qg = q + gi * cg * P.PS;
    const float* kgg = kg + gi * cg * g.KH * g.KW * og;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      int64_t nr = 0;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
        if (ih < 0 || ih >= g.H) continue;  // a padding row: zeros add nothing
        rows[nr] = ih * P.RS;
        khs[nr++] = kh;
      }
      float* orow = out + ((n * g.OH + oh) * g.OW) * g.O + gi * og;
#define PFF_FWD(OG) fwd_row<OG>(qg, kgg, rows, khs, nr, P, g, orow)
      PFF_OG_SWITCH(og, PFF_FWD)
#undef PFF_FWD
    }
  }
}

// ---- kernel gradient ----------------------------------------------------------------

/** Taps per pass of the kernel gradient: T * OG accumulators, OG dout vectors and one x
 *  vector in 16 registers (at OG = 8 the dout loads fold into the FMAs). */
constexpr int bk_taps_max(int og) { return std::max(1, std::min(4, (15 - og) / og)); }

/** acc[t][o] += x run of tap t * dout of channel o, over the vector at column col. */
template <int OG, int T, bool Masked>
PFF_INLINE void bk_step(v8 (&acc)[T][OG], const float* xr, const float* gr,
                        const int64_t* off, int64_t GS, int64_t col, const v8i& mask) {
  v8 gv[OG];
  PFF_UNROLL for (int o = 0; o < OG; ++o) gv[o] = load(gr + o * GS + col);
  PFF_UNROLL for (int t = 0; t < T; ++t) {
    v8 xv = load(xr + off[t] + col);
    // Past the last output column x may hold anything (inf * 0 would be NaN).
    if (Masked) xv = reinterpret_cast<v8>(reinterpret_cast<v8i>(xv) & mask);
    PFF_UNROLL for (int o = 0; o < OG; ++o) acc[t][o] += xv * gv[o];
  }
}

/** Adds one sample's gradient of the T taps (kh, kw0 + t) of plane xc into dk (which
 *  points at tap (kh, kw0), this channel and group; taps cg * O apart). gg is the group's
 *  first dout plane, GS the plane stride, OWr the dout row stride. */
template <int OG, int T>
PFF_INLINE void bk_taps(const float* xc, const float* gg, int64_t GS, int64_t OWr,
                        int64_t kh, const int64_t* off, const ConvGeom& g, const Planes& P,
                        const v8i& mask, float* dk) {
  // Two accumulator sets over alternate vectors when one set would be a short latency
  // chain and both fit the 16 registers beside the OG dout vectors and one x vector.
  constexpr int U = 2 * OG * T + OG + 1 <= 16 ? 2 : 1;
  v8 acc[U][T][OG];
  PFF_UNROLL for (int u = 0; u < U; ++u)
    PFF_UNROLL for (int t = 0; t < T; ++t)
      PFF_UNROLL for (int o = 0; o < OG; ++o) acc[u][t][o] = v8{};
  const int64_t full = g.OW / kL;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t ih = oh * g.sh - g.pt + kh * g.dh;
    if (ih < 0 || ih >= g.H) continue;
    const float* xr = xc + ih * P.RS;
    const float* gr = gg + oh * OWr;
    int64_t j = 0;
    for (; j + U <= full; j += U)
      PFF_UNROLL for (int u = 0; u < U; ++u)
        bk_step<OG, T, false>(acc[u], xr, gr, off, GS, (j + u) * kL, mask);
    for (; j < full; ++j) bk_step<OG, T, false>(acc[0], xr, gr, off, GS, j * kL, mask);
    if (g.OW % kL) bk_step<OG, T, true>(acc[0], xr, gr, off, GS, full * kL, mask);
  }
  const int64_t ts = g.cg() * g.O;
  PFF_UNROLL for (int t = 0; t < T; ++t)
    PFF_UNROLL for (int o = 0; o < OG; ++o) {
      v8 s = acc[0][t][o];
      if (U == 2) s += acc[U - 1][t][o];
      dk[t * ts + o] += hsum(s);
    }
}

template <int OG>
PFF_INLINE void bk_chunk(int nt, const float* xc, const float* gg, int64_t GS, int64_t OWr,
                         int64_t kh, const int64_t* off, const ConvGeom& g, const Planes& P,
                         const v8i& mask, float* dk) {
  constexpr int TM = bk_taps_max(OG);
#define PFF_BK(T) bk_taps<OG, T>(xc, gg, GS, OWr, kh, off, g, P, mask, dk)
  if constexpr (TM >= 4) if (nt == 4) return PFF_BK(4);
  if constexpr (TM >= 3) if (nt == 3) return PFF_BK(3);
  if constexpr (TM >= 2) if (nt == 2) return PFF_BK(2);
  PFF_BK(1);
#undef PFF_BK
}

/** Adds sample planes xq / dout planes gq's kernel gradient into dk (Keras layout). */
PFF_HOT void bk_sample(const float* xq, const float* gq, float* dk, const ConvGeom& g,
                       const Planes& P) {
  const int64_t cg = g.cg(), og = g.og(), OWr = P.OWv * kL, GS = g.OH * OWr;
  const int tm = bk_taps_max(static_cast<int>(og));
  v8i mask;
  for (int l = 0; l < kL; ++l) mask[l] = l < g.OW % kL ? -1 : 0;
  for (int64_t gi = 0; gi < g.groups; ++gi)
    for (int64_t c = 0; c < cg; ++c)
      for (int64_t kh = 0; kh < g.KH; ++kh)
        for (int64_t kw0 = 0; kw0 < g.KW; kw0 += tm) {
          const int nt = static_cast<int>(std::min<int64_t>(tm, g.KW - kw0));
          const float* xc = xq + (gi * cg + c) * P.PS;
          const float* gg = gq + gi * og * GS;
          const int64_t* off = P.off.data() + kw0;
          float* d = dk + ((kh * g.KW + kw0) * cg + c) * g.O + gi * og;
#define PFF_BKC(OG) bk_chunk<OG>(nt, xc, gg, GS, OWr, kh, off, g, P, mask, d)
          PFF_OG_SWITCH(og, PFF_BKC)
#undef PFF_BKC
        }
}

// ---- input gradient -----------------------------------------------------------------

/** Input-gradient vectors [0, B) of one (row, phase, channel), gathered from dout planes
 *  gg (the group's first plane, at the block's first column, taps shifted by their
 *  lead): pairs p of output row ohs[p] through kernel row khs[p], taps kws[0, nkw) of
 *  this phase. kc is the packed kernel of this group and channel. */
template <int OG, int B>
PFF_INLINE void bi_block(const float* gg, int64_t GS, int64_t GW, const int64_t* ohs,
                         const int64_t* khs, int64_t np, const int64_t* kws,
                         const int64_t* shifts, int64_t nkw, const float* kc,
                         const ConvGeom& g, float* tmp) {
  v8 acc[B];
  PFF_UNROLL for (int b = 0; b < B; ++b) acc[b] = v8{};
  for (int64_t p = 0; p < np; ++p) {
    const float* gr = gg + ohs[p] * GW;
    const float* kk = kc + khs[p] * g.KW * OG;
    for (int64_t i = 0; i < nkw; ++i) {
      const float* gp = gr - shifts[i];
      const float* k2 = kk + kws[i] * OG;
      PFF_UNROLL for (int o = 0; o < OG; ++o) {
        const v8 kv = PFF_SPLAT(k2[o]);
        PFF_UNROLL for (int b = 0; b < B; ++b) acc[b] += load(gp + o * GS + b * kL) * kv;
      }
    }
  }
  PFF_UNROLL for (int b = 0; b < B; ++b) std::memcpy(tmp + b * kL, &acc[b], sizeof(v8));
}

struct BiScratch {
  std::vector<int64_t> ohs, khs, kws, shifts;
  explicit BiScratch(const ConvGeom& g)
      : ohs(g.KH), khs(g.KH), kws(g.KW), shifts(g.KW) {}
};

template <int OG>
PFF_INLINE void bi_row(const float* gq, const float* kg, float* dxs, int64_t ih, int64_t r,
                       int64_t np, int64_t nkw, const BiScratch& s, int64_t GS, int64_t GW,
                       int64_t lead, const ConvGeom& g) {
  constexpr int B = 4;
  alignas(32) float tmp[B * kL];
  const int64_t cg = g.cg();
  // Columns m of this phase that are input columns: 0 <= m * sw + r - pl < W.
  const int64_t m_lo = std::max<int64_t>(0, (g.pl - r + g.sw - 1) / g.sw);
  const int64_t m_hi = (g.W - 1 + g.pl - r) / g.sw;  // inclusive
  if (g.W - 1 + g.pl - r < 0 || m_lo > m_hi) return;
  for (int64_t gi = 0; gi < g.groups; ++gi)
    for (int64_t c = 0; c < cg; ++c) {
      const float* gg = gq + gi * OG * GS + lead;
      const float* kc = kg + (gi * cg + c) * g.KH * g.KW * OG;
      float* d = dxs + gi * cg + c;
      for (int64_t m0 = m_lo / kL * kL; m0 <= m_hi;) {
        const int nb = m0 + B * kL <= m_hi + 1 ? B : 1;
        if (nb == B)
          bi_block<OG, B>(gg + m0, GS, GW, s.ohs.data(), s.khs.data(), np, s.kws.data(),
                          s.shifts.data(), nkw, kc, g, tmp);
        else
          bi_block<OG, 1>(gg + m0, GS, GW, s.ohs.data(), s.khs.data(), np, s.kws.data(),
                          s.shifts.data(), nkw, kc, g, tmp);
        const int64_t end = std::min(m_hi + 1, m0 + nb * kL);
        for (int64_t m = std::max(m0, m_lo); m < end; ++m)
          d[(ih * g.W + m * g.sw + r - g.pl) * g.C] = tmp[m - m0];
        m0 += nb * kL;
      }
    }
}

/** Sample dx (H, W, C) from its dout planes gq (rows GW floats, ow at lead + ow). Every
 *  element is written once (a zero where no output reads it). */
PFF_HOT void bi_sample(const float* gq, const float* kg, float* dxs, const ConvGeom& g,
                       int64_t GW, int64_t lead, BiScratch& s) {
  const int64_t GS = g.OH * GW;
  for (int64_t ih = 0; ih < g.H; ++ih) {
    int64_t np = 0;
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t t = ih + g.pt - kh * g.dh;
      if (t < 0 || t % g.sh || t / g.sh >= g.OH) continue;
      s.ohs[np] = t / g.sh;
      s.khs[np++] = kh;
    }
    for (int64_t r = 0; r < g.sw; ++r) {
      int64_t nkw = 0;
      for (int64_t kw = 0; kw < g.KW; ++kw)
        if (kw * g.dw % g.sw == r) {
          s.kws[nkw] = kw;
          s.shifts[nkw++] = kw * g.dw / g.sw;
        }
#define PFF_BI(OG) bi_row<OG>(gq, kg, dxs, ih, r, np, nkw, s, GS, GW, lead, g)
      PFF_OG_SWITCH(g.og(), PFF_BI)
#undef PFF_BI
    }
  }
}

}  // namespace

// Measured against im2col + GEMM at batch 32 (bench/bench_conv_small.py and the report
// of issue 12 item 7): the direct kernels win 2-10x while a group's weights per tap,
// cg * og, are at most 128 (3 -> 8 channels, 16 -> 8, 32 -> 4); beyond that (64 -> 8,
// 128 -> 2) the GEMM has enough work per copied patch and the input gradient here, one
// input channel at a time, falls behind it. Above 8 output channels the accumulators
// no longer fit the registers. Depthwise and pointwise geometries keep their own paths.
bool conv_small_applies(const ConvGeom& g) {
  const bool pointwise = g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 &&
                         g.pl == 0 && g.groups == 1 && g.OH == g.H && g.OW == g.W;
  // The planes below are 2-D: a 3-D geometry (deep()) takes im2col + GEMM.
  return !g.deep() && g.groups >= 1 && g.og() >= 1 && g.og() <= kMaxOg &&
         g.cg() * g.og() <= kMaxTapWeights && !(g.cg() == 1 && g.groups > 1) && !pointwise && g.H > 0 && g.W > 0 && g.OH > 0 &&
         g.OW > 0 && g.KH > 0 && g.KW > 0;
}

void conv_small_forward(const float* x, const float* kernel, float* out, const ConvGeom& g) {
  const Planes P(g);
  const std::vector<float> kg = pack_kernel(kernel, g);
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    std::vector<float> q(static_cast<size_t>(g.C * P.PS));
    std::vector<int64_t> rows(g.KH), khs(g.KH);
    for (int64_t n = b; n < e; ++n) {
      to_planes(x + n * g.H * g.W * g.C, q.data(), g, P);
      fwd_sample(q.data(), kg.data(), out, n, g, P, rows.data(), khs.data());
    }
  });
}

void conv_small_backward_kernel(const float* dout, const float* x, float* dkernel,
                                const ConvGeom& g) {
  const Planes P(g);
  const int64_t K = g.patch() * g.O, OWr = P.OWv * kL;
  // One partial per chunk of batch rows; the chunks depend on N and the thread count only.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), g.N));
  std::vector<float> part(static_cast<size_t>(chunks * K), 0.f);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<float> xq(static_cast<size_t>(g.C * P.PS));
    std::vector<float> gq(static_cast<size_t>(g.O * g.OH * OWr));
    for (int64_t ch = cb; ch < ce; ++ch)
      for (int64_t n = g.N * ch / chunks; n < g.N * (ch + 1) / chunks; ++n) {
        to_planes(x + n * g.H * g.W * g.C, xq.data(), g, P);
        grad_planes(dout + n * g.OH * g.OW * g.O, gq.data(), OWr, 0, g);
        bk_sample(xq.data(), gq.data(), part.data() + ch * K, g, P);
      }
  });
  std::memcpy(dkernel, part.data(), sizeof(float) * K);
  for (int64_t ch = 1; ch < chunks; ++ch) {
    const float* p = part.data() + ch * K;
    for (int64_t i = 0; i < K; ++i) dkernel[i] += p[i];
  }
}

void conv_small_backward_input(const float* dout, const float* kernel, float* dx,
                               const ConvGeom& g) {
  const Planes P(g);
  const std::vector<float> kg = pack_kernel(kernel, g);
  // dout rows with room for the furthest tap's shift before column 0 and a whole vector
  // past the last input column.
  const int64_t lead = (g.KW - 1) * g.dw / g.sw;
  const int64_t GW = lead + std::max(round_up(P.Mq), g.OW);
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    std::vector<float> gq(static_cast<size_t>(g.O * g.OH * GW));
    BiScratch s(g);
    for (int64_t n = b; n < e; ++n) {
      grad_planes(dout + n * g.OH * g.OW * g.O, gq.data(), GW, lead, g);
      bi_sample(gq.data(), kg.data(), dx + n * g.H * g.W * g.C, g, GW, lead, s);
    }
  });
}

}  // namespace pyfastfit::cpu
