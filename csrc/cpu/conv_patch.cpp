// Register-blocked direct kernels for convolutions with a few-float patch (W3's first
// layer: 3x3 on one channel, patch 9). im2col + GEMM there runs at a fraction of the GEMM
// rate: K = 9 leaves the GEMM streaming its output through memory, with the im2col copy
// on top. Here each output pixel's O channels stay in registers across the taps, the
// bias starts the accumulators and the activation runs on the sample while in cache; the
// kernel gradient keeps taps x channels in registers across a row's pixels, and can take
// the activation's backward per row on the way in.
#include <algorithm>
#include <cstring>

#include "cpu/conv_detail.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu::conv_detail {
namespace {

// The 8-float helpers are always inlined, so their by-value ABI (which -Wpsabi warns
// differs between the two clones) never applies.
#pragma GCC diagnostic ignored "-Wpsabi"
#define PFF_INLINE inline __attribute__((always_inline))

// 8 floats: one AVX2 register in the x86-64-v3 clone, two SSE registers in the baseline.
typedef float v8 __attribute__((vector_size(32)));

PFF_INLINE v8 load8(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
PFF_INLINE void store8(float* p, v8 v) { std::memcpy(p, &v, sizeof v); }
PFF_INLINE v8 splat(float s) { return v8{s, s, s, s, s, s, s, s}; }

// Patches of at most this many floats take the direct path.
constexpr int64_t kMaxPatch = 16;
// The forward's tiles are PX pixels by NV vectors of 8 channels: 3 x 4 = 12 accumulators
// keep both FMA pipes busy despite the FMA latency (one pixel's 4 chains would not) and
// leave registers for the splat.
constexpr int64_t kPixelTile = 3;
// The kernel gradient's tiles are NT taps by 16 channels: at most 2 x 6 accumulators.
constexpr int kTapGroup = 6;

/** dst[p, 0, 8 NV) = bias + sum_t in[p, t] * k[t, 0, 8 NV) for PX pixels p, where tap t
 *  of pixel p reads base[p * step + off[t]] (k's and dst's rows O apart). */
template <int NV, int PX>
PFF_INLINE void fwd_tile(const float* base, int64_t step, const int64_t* off, int64_t P,
                         const float* k, int64_t O, const float* bias, float* dst) {
  v8 acc[PX][NV];
  for (int v = 0; v < NV; ++v) {
    const v8 b = bias ? load8(bias + 8 * v) : v8{};
    for (int p = 0; p < PX; ++p) acc[p][v] = b;
  }
  for (int64_t t = 0; t < P; ++t) {
    const float* kr = k + t * O;
    const float* in = base + off[t];
    for (int p = 0; p < PX; ++p) {
      const v8 s = splat(in[p * step]);
      for (int v = 0; v < NV; ++v) acc[p][v] += s * load8(kr + 8 * v);
    }
  }
  for (int p = 0; p < PX; ++p)
    for (int v = 0; v < NV; ++v) store8(dst + p * O + 8 * v, acc[p][v]);
}

/** The forward of PX pixels (addressed as in fwd_tile) over all O channels. */
template <int PX>
PFF_INLINE void fwd_pixels(const float* base, int64_t step, const int64_t* off, int64_t P,
                           const float* k, int64_t O, const float* bias, float* dst) {
  int64_t j = 0;
  for (; j + 32 <= O; j += 32)
    fwd_tile<4, PX>(base, step, off, P, k + j, O, bias ? bias + j : bias, dst + j);
  for (; j + 8 <= O; j += 8)
    fwd_tile<1, PX>(base, step, off, P, k + j, O, bias ? bias + j : bias, dst + j);
  for (; j < O; ++j)  // channels past the last multiple of 8
    for (int p = 0; p < PX; ++p) {
      float s = bias ? bias[j] : 0.f;
      for (int64_t t = 0; t < P; ++t) s += base[p * step + off[t]] * k[t * O + j];
      dst[p * O + j] = s;
    }
}

/** dk[t, 0, 8 NJ) += sum over q < pixels of in[q, t] * go[q, 0, 8 NJ), t < NT, where tap
 *  t of pixel q reads base[q * step + off[t]] (dk's and go's rows O apart). */
template <int NT, int NJ>
PFF_INLINE void bwd_tile(const float* base, int64_t step, const int64_t* off, const float* go,
                         int64_t O, int64_t pixels, float* dk) {
  v8 acc[NT][NJ];
  for (int t = 0; t < NT; ++t)
    for (int j = 0; j < NJ; ++j) acc[t][j] = v8{};
  for (int64_t q = 0; q < pixels; ++q) {
    v8 d[NJ];
    for (int j = 0; j < NJ; ++j) d[j] = load8(go + q * O + 8 * j);
    const float* in = base + q * step;
    for (int t = 0; t < NT; ++t) {
      const v8 s = splat(in[off[t]]);
      for (int j = 0; j < NJ; ++j) acc[t][j] += s * d[j];
    }
  }
  for (int t = 0; t < NT; ++t)
    for (int j = 0; j < NJ; ++j)
      store8(dk + t * O + 8 * j, load8(dk + t * O + 8 * j) + acc[t][j]);
}

/** bwd_tile with the tap count nt (1..kTapGroup) chosen at run time. */
template <int NJ>
PFF_INLINE void bwd_taps(int64_t nt, const float* base, int64_t step, const int64_t* off,
                         const float* go, int64_t O, int64_t pixels, float* dk) {
  switch (nt) {
    case 1: bwd_tile<1, NJ>(base, step, off, go, O, pixels, dk); break;
    case 2: bwd_tile<2, NJ>(base, step, off, go, O, pixels, dk); break;
    case 3: bwd_tile<3, NJ>(base, step, off, go, O, pixels, dk); break;
    case 4: bwd_tile<4, NJ>(base, step, off, go, O, pixels, dk); break;
    case 5: bwd_tile<5, NJ>(base, step, off, go, O, pixels, dk); break;
    default: bwd_tile<6, NJ>(base, step, off, go, O, pixels, dk); break;
  }
}

/** How both kernels address a sample's patches. Interior pixels read x in place: tap t
 *  at off[t] from the window's corner, the next pixel along the row step = sw * C
 *  further. Pixels whose window crosses the padding gather their patch (zeros outside)
 *  into a small buffer, read through the identity offsets iota. */
struct Taps {
  int64_t off[kMaxPatch], iota[kMaxPatch];
  int64_t step, lo, hi;  // output columns [lo, hi) have every tap inside the columns
  explicit Taps(const ConvGeom& g) : step(g.sw * g.C) {
    for (int64_t kh = 0, t = 0; kh < g.KH; ++kh)
      for (int64_t kw = 0; kw < g.KW; ++kw)
        for (int64_t c = 0; c < g.C; ++c, ++t) {
          off[t] = (kh * g.dh * g.W + kw * g.dw) * g.C + c;
          iota[t] = t;
        }
    lo = std::min(g.OW, (g.pl + g.sw - 1) / g.sw);
    const int64_t last = g.W - 1 + g.pl - (g.KW - 1) * g.dw;
    hi = std::max(lo, last < 0 ? 0 : std::min(g.OW, last / g.sw + 1));
  }
  /** Output columns [a, b) of a row starting at input row ih0 read no padding. */
  void interior(int64_t ih0, const ConvGeom& g, int64_t& a, int64_t& b) const {
    const bool rows_in = ih0 >= 0 && ih0 + (g.KH - 1) * g.dh < g.H;
    a = rows_in ? lo : g.OW;
    b = rows_in ? hi : g.OW;
  }
};

/** pv = the patch of output pixel (row starting at input row ih0, column ow) of sample xs. */
PFF_INLINE void gather(const float* xs, int64_t ih0, int64_t ow, float* pv, const ConvGeom& g) {
  for (int64_t kh = 0, t = 0; kh < g.KH; ++kh) {
    const int64_t ih = ih0 + kh * g.dh;
    for (int64_t kw = 0; kw < g.KW; ++kw) {
      const int64_t iw = ow * g.sw - g.pl + kw * g.dw;
      const bool in = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
      for (int64_t c = 0; c < g.C; ++c, ++t) pv[t] = in ? xs[(ih * g.W + iw) * g.C + c] : 0.f;
    }
  }
}

}  // namespace

bool is_small_patch(const ConvGeom& g) {
  return g.groups == 1 && g.patch() <= kMaxPatch && !g.deep();
}

PFF_HOT void small_forward(const float* x, const float* kernel, const float* bias,
                           Activation act, float alpha, float* z, float* out, int64_t n0,
                           int64_t n1, const ConvGeom& g) {
  const int64_t P = g.patch(), O = g.O, pixels = g.OH * g.OW, C = g.C;
  const Taps tp(g);
  const int64_t *off = tp.off, *iota = tp.iota, step = tp.step;
  float pv[kMaxPatch];
  for (int64_t n = n0; n < n1; ++n) {
    const float* xs = x + n * g.H * g.W * C;
    float* zs = z + n * pixels * O;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const int64_t ih0 = oh * g.sh - g.pt;
      int64_t a, b;
      tp.interior(ih0, g, a, b);
      float* zr = zs + oh * g.OW * O;
      // The window corner of output column ow is xs + corner + ow * step (an offset, not
      // a pointer: for a border row it lies outside x, and only interior ones are read).
      const int64_t corner = (ih0 * g.W - g.pl) * C;
      for (int64_t ow = 0; ow < g.OW;) {
        if (ow >= a && ow + kPixelTile <= b) {
          fwd_pixels<kPixelTile>(xs + (corner + ow * step), step, off, P, kernel, O, bias,
                                 zr + ow * O);
          ow += kPixelTile;
        } else if (ow >= a && ow < b) {
          fwd_pixels<1>(xs + (corner + ow * step), step, off, P, kernel, O, bias, zr + ow * O);
          ++ow;
        } else {
          gather(xs, ih0, ow, pv, g);
          fwd_pixels<1>(pv, 0, iota, P, kernel, O, bias, zr + ow * O);
          ++ow;
        }
      }
    }
    // The activation on this sample's rows while they are still in cache.
    epilogue(zs, out + n * pixels * O, pixels, O, nullptr, act, alpha);
  }
}

PFF_HOT void small_backward_kernel(const float* dout, const float* x, float* dk, int64_t n0,
                                   int64_t n1, const ConvGeom& g, const EpilogueGrad* eg) {
  const int64_t P = g.patch(), O = g.O, C = g.C;
  const Taps tp(g);
  // Taps split into passes of at most kTapGroup, as even as possible (9 -> 5 + 4).
  const int64_t passes = (P + kTapGroup - 1) / kTapGroup;
  float pv[kMaxPatch];
  Scratch dz_row(eg ? g.OW * O : 0, 1);
  for (int64_t n = n0; n < n1; ++n) {
    const float* xs = x + n * g.H * g.W * C;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      const int64_t ih0 = oh * g.sh - g.pt;
      int64_t a, b;
      tp.interior(ih0, g, a, b);
      const int64_t corner = (ih0 * g.W - g.pl) * C;  // as in small_forward
      const int64_t row = (n * g.OH + oh) * g.OW * O;
      const float* go = dout + row;
      if (eg) {
        // This row's dz, in cache for the passes below: no dz tensor goes through memory.
        float* dz = dz_row.data();
        activation_backward(eg->act, go, eg->z ? eg->z + row : nullptr, eg->out + row, dz,
                            g.OW, O, eg->alpha);
        if (eg->dbias) {
          float* __restrict db = eg->dbias;
          const float* __restrict d = dz;
          for (int64_t q = 0; q < g.OW; ++q)
            for (int64_t j = 0; j < O; ++j) db[j] += d[q * O + j];
        }
        go = dz;
      }
      for (int64_t j = 0; j + 8 <= O; j += 16) {
        for (int64_t s = 0; s < passes; ++s) {
          const int64_t t0 = P * s / passes, nt = P * (s + 1) / passes - t0;
          float* d = dk + t0 * O + j;
          // One run of pixels: the interior run read in place, each border pixel through
          // its gathered patch. A macro, not a lambda, so it stays in the PFF_HOT clone.
#define PFF_BWD_RUN(base, st, of, ow, count)                                         \
  {                                                                                  \
    if (j + 16 <= O)                                                                 \
      bwd_taps<2>(nt, base, st, (of) + t0, go + (ow) * O + j, O, count, d);          \
    else                                                                             \
      bwd_taps<1>(nt, base, st, (of) + t0, go + (ow) * O + j, O, count, d);          \
  }
          for (int64_t ow = 0; ow < a; ++ow) {
            gather(xs, ih0, ow, pv, g);
            PFF_BWD_RUN(pv, 0, tp.iota, ow, 1)
          }
          if (a < b) PFF_BWD_RUN(xs + (corner + a * tp.step), tp.step, tp.off, a, b - a)
          for (int64_t ow = b; ow < g.OW; ++ow) {
            gather(xs, ih0, ow, pv, g);
            PFF_BWD_RUN(pv, 0, tp.iota, ow, 1)
          }
#undef PFF_BWD_RUN
        }
      }
      for (int64_t j = O / 8 * 8; j < O; ++j)  // channels past the last multiple of 8
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          const bool inside = ow >= a && ow < b;
          if (!inside) gather(xs, ih0, ow, pv, g);
          const float* in = inside ? xs + (corner + ow * tp.step) : pv;
          const int64_t* of = inside ? tp.off : tp.iota;
          const float gv = go[ow * O + j];
          for (int64_t t = 0; t < P; ++t) dk[t * O + j] += in[of[t]] * gv;
        }
    }
  }
}

}  // namespace pyfastfit::cpu::conv_detail
