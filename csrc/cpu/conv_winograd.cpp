// Winograd F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) over NHWC. Per block of 4x4 input tiles (stride 2, so neighbours
// overlap by 2): V = B^T d B per tile and channel into 16 matrices (tiles, Ci); the
// kernel, transformed once per call, U = G g G^T into 16 matrices (Ci, Co); 16 GEMMs
// M = V @ U; then A^T M A gives each tile's 2x2 outputs (the ones past an odd edge are
// dropped). The input gradient is the same correlation, of dout with the kernel turned
// 180 degrees and its channels swapped, and runs through the same code.
#include "cpu/conv_winograd.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/conv_detail.h"
#include "cpu/gemm.h"
#include "cpu/simd.h"

// The vector helpers below are always inlined, so no vector crosses a call boundary
// (the ABI note GCC gives for 32-byte vectors in the baseline clone does not apply).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace pyfastfit::cpu {
namespace {

using conv_detail::Scratch;

constexpr int64_t kL = 8;  // floats per vector (one AVX2 register)
// Floats of one block's transformed tiles V and products M (16 x tiles x (Ci + Co)):
// 512 KiB, half the L2 of the EPYC cores we tune on, so the GEMMs' and the output
// transform's reads of a block come from L2. (W3's conv2 ran within noise of this from
// 2^15 to 2^19 floats: the GEMMs take most of a call, in perf.)
constexpr int64_t kBlockBudget = int64_t{1} << 17;

typedef float v8 __attribute__((vector_size(32)));

#define PFF_INLINE __attribute__((always_inline)) inline

std::atomic<bool> g_enabled{true};

/** One 3x3 stride-1 correlation, in (N, Hi, Wi, Ci) -> out (N, Ho, Wo, Co): out(oh, ow)
 *  reads in(oh - pt + kh, ow - pl + kw), zeros outside. The forward is (H, W, C) ->
 *  (OH, OW, O) with the geometry's pads, the input gradient (OH, OW, O) -> (H, W, C) with
 *  pads 2 - pt, 2 - pl. Tile (r, c) yields outputs rows 2r, 2r+1, columns 2c, 2c+1. */
struct Corr {
  int64_t N, Hi, Wi, Ci, Ho, Wo, Co, pt, pl;
  int64_t TH() const { return (Ho + 1) / 2; }
  int64_t TW() const { return (Wo + 1) / 2; }
};

/** Samples [n0, n0 + nb), tile rows [r0, r1) of each (all of them when nb > 1): the
 *  outputs of a block are consecutive rows of out. */
struct Block {
  int64_t n0, nb, r0, r1;
};

/** Blocks of about kBlockBudget floats of scratch: whole samples when one fits (at
 *  most N / threads of them per block, so every thread gets work), else runs of tile
 *  rows (short enough that a batch smaller than the pool still gives every thread a
 *  block). tb_max: the most tiles of any block. */
std::vector<Block> blocks_of(const Corr& p, int64_t& tb_max) {
  const int64_t TH = p.TH(), TW = p.TW(), T = TH * TW;
  const int64_t nt = std::max(get_num_threads(), 1);
  const int64_t want = std::max<int64_t>(1, kBlockBudget / (16 * (p.Ci + p.Co)));
  std::vector<Block> v;
  if (T <= want && p.N >= nt) {
    const int64_t nb = std::max<int64_t>(1, std::min(want / T, (p.N + nt - 1) / nt));
    for (int64_t n0 = 0; n0 < p.N; n0 += nb)
      v.push_back({n0, std::min(nb, p.N - n0), 0, TH});
    tb_max = nb * T;
  } else {
    const int64_t per = (nt + p.N - 1) / p.N;  // blocks per sample the pool wants
    const int64_t R = std::max<int64_t>(1, std::min(want / TW, (TH + per - 1) / per));
    for (int64_t n = 0; n < p.N; ++n)
      for (int64_t r0 = 0; r0 < TH; r0 += R) v.push_back({n, 1, r0, std::min(r0 + R, TH)});
    tb_max = R * TW;
  }
  return v;
}

template <typename V>
PFF_INLINE V ld(const float* p) {
  if constexpr (sizeof(V) == sizeof(float)) {
    return *p;
  } else {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
}

template <typename V>
PFF_INLINE void st(float* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]. d: the tile's 16 pixels (row-major),
// each Ci floats; writes channels [c, c + lanes) of V = B^T d B to v + xi * vs.
template <typename V>
PFF_INLINE void input_tile_at(const float* const* d, int64_t c, float* v, int64_t vs) {
  V t[16];
  for (int j = 0; j < 4; ++j) {
    const V d0 = ld<V>(d[j] + c), d1 = ld<V>(d[4 + j] + c), d2 = ld<V>(d[8 + j] + c),
            d3 = ld<V>(d[12 + j] + c);
    t[j] = d0 - d2;
    t[4 + j] = d1 + d2;
    t[8 + j] = d2 - d1;
    t[12 + j] = d1 - d3;
  }
  for (int i = 0; i < 4; ++i) {
    const V* r = t + 4 * i;
    st(v + (4 * i) * vs + c, r[0] - r[2]);
    st(v + (4 * i + 1) * vs + c, r[1] + r[2]);
    st(v + (4 * i + 2) * vs + c, r[2] - r[1]);
    st(v + (4 * i + 3) * vs + c, r[1] - r[3]);
  }
}

// A^T = [1 1 1 0; 0 1 -1 -1]. m: the tile's 16 products (row t of each matrix, stride
// ms); writes channels [o, o + lanes) of A^T m A to the 2x2 outputs y (row-major).
template <typename V>
PFF_INLINE void output_tile_at(const float* m, int64_t ms, int64_t o, float* const* y) {
  V s0[4], s1[4];
  for (int j = 0; j < 4; ++j) {
    const V m0 = ld<V>(m + j * ms + o), m1 = ld<V>(m + (4 + j) * ms + o),
            m2 = ld<V>(m + (8 + j) * ms + o), m3 = ld<V>(m + (12 + j) * ms + o);
    s0[j] = m0 + m1 + m2;
    s1[j] = m1 - m2 - m3;
  }
  st(y[0] + o, s0[0] + s0[1] + s0[2]);
  st(y[1] + o, s0[1] - s0[2] - s0[3]);
  st(y[2] + o, s1[0] + s1[1] + s1[2]);
  st(y[3] + o, s1[1] - s1[2] - s1[3]);
}

// The block's tiles in order, t counting them. Written out in each function rather than
// as a function taking a lambda: the lambda would be compiled outside PFF_HOT's clones.
#define PFF_FOR_TILES(p, b, ...)                               \
  {                                                            \
    int64_t t = 0;                                             \
    for (int64_t n = b.n0; n < b.n0 + b.nb; ++n)               \
      for (int64_t r = b.r0; r < b.r1; ++r)                    \
        for (int64_t c = 0; c < p.TW(); ++c, ++t) __VA_ARGS__  \
  }

// V (16, tb, Ci) of the block's tiles; pixels outside the input read `zeros`.
PFF_HOT void input_tiles(const float* in, const float* zeros, float* v, int64_t tb,
                         const Corr& p, const Block& b) {
  const int64_t vs = tb * p.Ci;
  PFF_FOR_TILES(p, b, {
    const float* d[16];
    const float* xs = in + n * p.Hi * p.Wi * p.Ci;
    for (int64_t i = 0; i < 4; ++i) {
      const int64_t ih = 2 * r - p.pt + i;
      for (int64_t j = 0; j < 4; ++j) {
        const int64_t iw = 2 * c - p.pl + j;
        const bool inside = ih >= 0 && ih < p.Hi && iw >= 0 && iw < p.Wi;
        d[4 * i + j] = inside ? xs + (ih * p.Wi + iw) * p.Ci : zeros;
      }
    }
    float* vt = v + t * p.Ci;
    int64_t ch = 0;
    for (; ch + kL <= p.Ci; ch += kL) input_tile_at<v8>(d, ch, vt, vs);
    for (; ch < p.Ci; ++ch) input_tile_at<float>(d, ch, vt, vs);
  })
}

// The block's outputs from M (16, tb, Co); outputs past the bottom or right edge go
// to `sink` (Co floats), so the loop has no branch per channel.
PFF_HOT void output_tiles(const float* m, float* out, float* sink, int64_t tb,
                          const Corr& p, const Block& b) {
  const int64_t ms = tb * p.Co;
  PFF_FOR_TILES(p, b, {
    float* y[4];
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t oh = 2 * r + i, ow = 2 * c + j;
        const bool inside = oh < p.Ho && ow < p.Wo;
        y[2 * i + j] = inside ? out + ((n * p.Ho + oh) * p.Wo + ow) * p.Co : sink;
      }
    const float* mt = m + t * p.Co;
    int64_t o = 0;
    for (; o + kL <= p.Co; o += kL) output_tile_at<v8>(mt, ms, o, y);
    for (; o < p.Co; ++o) output_tile_at<float>(mt, ms, o, y);
  })
}

#undef PFF_FOR_TILES

// G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1]. g: the 9 taps (row-major) of lanes
// [o, o + lanes) of one input channel; writes those lanes of G g G^T to u + xi * us.
template <typename V>
PFF_INLINE void kernel_at(const float* const* g, int64_t o, float* u, int64_t us) {
  V a[12];
  for (int j = 0; j < 3; ++j) {  // a = G g (4x3)
    const V g0 = ld<V>(g[j] + o), g1 = ld<V>(g[3 + j] + o), g2 = ld<V>(g[6 + j] + o);
    a[j] = g0;
    a[3 + j] = 0.5f * (g0 + g1 + g2);
    a[6 + j] = 0.5f * (g0 - g1 + g2);
    a[9 + j] = g2;
  }
  for (int i = 0; i < 4; ++i) {  // U = a G^T (4x4)
    const V* ar = a + 3 * i;
    st(u + (4 * i) * us + o, ar[0]);
    st(u + (4 * i + 1) * us + o, 0.5f * (ar[0] + ar[1] + ar[2]));
    st(u + (4 * i + 2) * us + o, 0.5f * (ar[0] - ar[1] + ar[2]));
    st(u + (4 * i + 3) * us + o, ar[2]);
  }
}

/** U (16, C, O) = G g G^T of the 3x3 taps g of each channel pair of kernel (3, 3, C,
 *  O); flip: of the taps turned 180 degrees (the input gradient's kernel). */
PFF_HOT void kernel_transform(const float* kernel, float* U, int64_t C, int64_t O,
                              bool flip) {
  const int64_t CO = C * O;
  for (int64_t c = 0; c < C; ++c) {
    const float* g[9];
    for (int t = 0; t < 9; ++t) g[t] = kernel + (flip ? 8 - t : t) * CO + c * O;
    float* u = U + c * O;
    int64_t o = 0;
    for (; o + kL <= O; o += kL) kernel_at<v8>(g, o, u, CO);
    for (; o < O; ++o) kernel_at<float>(g, o, u, CO);
  }
}

/** out = the correlation p of in with the transformed kernel U (16, Ci, Co), block by
 *  block over the pool; after each block, epi(row, rows) on the rows (of Co) of out it
 *  wrote. */
template <typename Epi>
void correlate(const float* in, const float* U, float* out, const Corr& p, Epi&& epi) {
  int64_t tb_max = 0;
  const std::vector<Block> blocks = blocks_of(p, tb_max);
  const int64_t TW = p.TW();
  parallel_for(static_cast<int64_t>(blocks.size()), 1, [&](int64_t bb, int64_t be) {
    Scratch s(16 * tb_max * (p.Ci + p.Co) + p.Ci + p.Co, 0);
    float* v = s.data();
    float* m = v + 16 * tb_max * p.Ci;
    float* zeros = m + 16 * tb_max * p.Co;
    float* sink = zeros + p.Ci;
    std::fill(zeros, zeros + p.Ci, 0.f);
    for (int64_t i = bb; i < be; ++i) {
      const Block& b = blocks[static_cast<size_t>(i)];
      const int64_t tb = b.nb * (b.r1 - b.r0) * TW;
      input_tiles(in, zeros, v, tb, p, b);
      // M[xi] (tb, Co) = V[xi] (tb, Ci) @ U[xi] (Ci, Co)
      for (int64_t xi = 0; xi < 16; ++xi)
        gemm(false, false, tb, p.Co, p.Ci, 1.f, v + xi * tb * p.Ci, p.Ci,
             U + xi * p.Ci * p.Co, p.Co, 0.f, m + xi * tb * p.Co, p.Co);
      output_tiles(m, out, sink, tb, p, b);
      const int64_t first = (b.n0 * p.Ho + 2 * b.r0) * p.Wo;
      const int64_t last = ((b.n0 + b.nb - 1) * p.Ho + std::min(2 * b.r1, p.Ho)) * p.Wo;
      epi(first, last - first);
    }
  });
}

}  // namespace

bool winograd_applies(const ConvGeom& g, bool input_gradient) {
  const bool geometry = !g.deep() && g.KH == 3 && g.KW == 3 && g.sh == 1 && g.sw == 1 &&
                        g.dh == 1 && g.dw == 1 && g.groups == 1 && g.pt >= 0 && g.pt <= 2 &&
                        g.pl >= 0 && g.pl <= 2 && g.N > 0 && g.H > 0 && g.W > 0 &&
                        g.OH > 0 && g.OW > 0;
  const bool channels =
      g.C >= (input_gradient ? kWinogradMinGradChannels : kWinogradMinChannels) &&
      g.O >= kWinogradMinChannels;
  if (!g_enabled.load(std::memory_order_relaxed) || !geometry || !channels)
    return false;
  // Tiles of what this pass writes: the outputs, or the input gradient's H x W.
  const int64_t rows = input_gradient ? g.H : g.OH, cols = input_gradient ? g.W : g.OW;
  const int64_t tiles = (rows + 1) / 2 * ((cols + 1) / 2);
  // 16 multiplies per tile against im2col's 9 per output pair read: the input gradient of
  // a small map (2x2 -> 4x4) costs more than im2col's, and few tiles do not amortise
  // the kernel transform (measured: W3's input gradient, 1.39 here, ran 1.3x faster; at
  // batch 1, 49 tiles, 0.8x).
  return 9 * g.OH * g.OW * kWinogradSavingDen >= 16 * tiles * kWinogradSavingNum &&
         g.N * tiles >= kWinogradMinTiles;
}

bool set_winograd_enabled(bool enabled) {
  return g_enabled.exchange(enabled, std::memory_order_relaxed);
}

void winograd_forward(const float* x, const float* kernel, const float* bias,
                      Activation act, float alpha, float* z, float* out, const ConvGeom& g) {
  const Corr p{g.N, g.H, g.W, g.C, g.OH, g.OW, g.O, g.pt, g.pl};
  Scratch u(16 * g.C * g.O, 1);
  kernel_transform(kernel, u.data(), g.C, g.O, false);
  correlate(x, u.data(), z, p, [&](int64_t row, int64_t rows) {
    // Bias and activation on this block while it is in cache.
    conv_detail::epilogue(z + row * g.O, out + row * g.O, rows, g.O, bias, act, alpha);
  });
}

void winograd_backward_input(const float* dout, const float* kernel, float* dx,
                             const ConvGeom& g) {
  // dx(ih) sums dout(ih + pt - kh) k(kh) = dout(ih - (2 - pt) + kh') k(2 - kh').
  const Corr p{g.N, g.OH, g.OW, g.O, g.H, g.W, g.C, 2 - g.pt, 2 - g.pl};
  // U (16, O, C): the turned taps' transform (16, C, O), each matrix transposed here
  // once rather than by each GEMM (OpenBLAS's transposed-B path ran W3's input gradient
  // 1.5x slower).
  const int64_t CO = g.C * g.O;
  Scratch u(32 * CO, 1);
  float* tmp = u.data() + 16 * CO;
  kernel_transform(kernel, tmp, g.C, g.O, true);
  for (int64_t xi = 0; xi < 16; ++xi)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t o = 0; o < g.O; ++o)
        u.data()[xi * CO + o * g.C + c] = tmp[xi * CO + c * g.O + o];
  correlate(dout, u.data(), dx, p, [](int64_t, int64_t) {});
}

}  // namespace pyfastfit::cpu
