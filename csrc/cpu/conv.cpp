// im2col / col2im convolution over the OpenBLAS GEMM, split over the pool by batch rows;
// the fused forward's epilogue and its backward. Few-float patches run the direct
// kernels of cpu/conv_patch.cpp, few filters per group those of cpu/conv_small.cpp, and
// 3x3 stride-1 convolutions on many channels Winograd's (cpu/conv_winograd.cpp).
#include "cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/threads.h"
#include "cpu/conv_detail.h"
#include "cpu/conv_small.h"
#include "cpu/conv_winograd.h"
#include "cpu/dense.h"
#include "cpu/gemm.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace conv_detail {

namespace {
std::vector<float>& scratch_buffer(int slot) {
  thread_local std::vector<float> bufs[kScratchSlots];
  return bufs[slot];
}
}  // namespace

Scratch::Scratch(int64_t n, int slot) : slot_(slot) {
  std::vector<float>& b = scratch_buffer(slot);
  if (static_cast<int64_t>(b.size()) < n) b.resize(static_cast<size_t>(n));
  data_ = b.data();
}

Scratch::~Scratch() {
  std::vector<float>& b = scratch_buffer(slot_);
  if (static_cast<int64_t>(b.size()) > kScratchKeep) std::vector<float>().swap(b);
}

PFF_HOT void epilogue(float* z, float* out, int64_t rows, int64_t O, const float* bias,
                      Activation act, float alpha) {
  if (bias) add_row_vector(z, bias, rows, O);
  if (act != Activation::linear || z != out) activation_forward(act, z, out, rows, O, alpha);
}

}  // namespace conv_detail

namespace {

using namespace conv_detail;

// The direct loops' inner loops are short (one pixel's channels): the alias check GCC
// would emit before each costs as much as the loop, and their outputs never overlap
// their inputs.
#define PFF_IVDEP _Pragma("GCC ivdep")

/** A 1x1, stride-1, unpadded, ungrouped convolution is a plain GEMM on x itself. */
bool is_pointwise(const ConvGeom& g) {
  return g.KH == 1 && g.KW == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
         g.groups == 1 && g.OH == g.H && g.OW == g.W;
}

/** Depthwise convolutions (one input channel per group) run as a direct loop: im2col +
 *  GEMM would be one tiny GEMM per channel. (An ungrouped first layer on one channel is
 *  not one: it takes the few-float-patch kernels, which this loop is 3-4x slower than.) */
bool is_direct(const ConvGeom& g) {
  return g.cg() == 1 && g.groups > 1;
}

// The direct loops visit every output position of samples [n0, n1) and every kernel tap
// inside the input. They are written out in each function rather than shared through a
// lambda: a lambda would be compiled outside PFF_HOT's AVX2 clone.
#define PFF_CONV_TAPS(g, n0, n1, BODY)                                  \
  for (int64_t n = n0; n < n1; ++n)                                     \
    for (int64_t oh = 0; oh < g.OH; ++oh)                               \
      for (int64_t ow = 0; ow < g.OW; ++ow)                             \
        for (int64_t kh = 0; kh < g.KH; ++kh) {                         \
          const int64_t ih = oh * g.sh - g.pt + kh * g.dh;              \
          if (ih < 0 || ih >= g.H) continue;                            \
          for (int64_t kw = 0; kw < g.KW; ++kw) {                       \
            const int64_t iw = ow * g.sw - g.pl + kw * g.dw;            \
            if (iw < 0 || iw >= g.W) continue;                          \
            BODY                                                        \
          }                                                             \
        }

PFF_HOT void direct_forward(const float* x, const float* k, float* out, int64_t n0,
                            int64_t n1, const ConvGeom& g) {
  const int64_t cg = g.cg(), og = g.og(), C = g.C, O = g.O;
  std::fill(out + n0 * g.OH * g.OW * O, out + n1 * g.OH * g.OW * O, 0.f);
  PFF_CONV_TAPS(g, n0, n1, {
    float* __restrict o = out + ((n * g.OH + oh) * g.OW + ow) * O;
    const float* xv = x + ((n * g.H + ih) * g.W + iw) * C;
    const float* __restrict kt = k + (kh * g.KW + kw) * cg * O;
    if (cg == 1 && og == 1) {
      PFF_IVDEP
      for (int64_t c = 0; c < C; ++c) o[c] += xv[c] * kt[c];
    } else {
      for (int64_t gi = 0; gi < g.groups; ++gi)
        for (int64_t c = 0; c < cg; ++c) {
          const float v = xv[gi * cg + c];
          const float* __restrict kr = kt + c * O + gi * og;
          float* __restrict oo = o + gi * og;
          PFF_IVDEP
          for (int64_t j = 0; j < og; ++j) oo[j] += v * kr[j];
        }
    }
  })
}

PFF_HOT void direct_backward_input(const float* dout, const float* k, float* dx, int64_t n0,
                                   int64_t n1, const ConvGeom& g) {
  const int64_t cg = g.cg(), og = g.og(), C = g.C, O = g.O;
  std::fill(dx + n0 * g.H * g.W * C, dx + n1 * g.H * g.W * C, 0.f);
  PFF_CONV_TAPS(g, n0, n1, {
    const float* __restrict go = dout + ((n * g.OH + oh) * g.OW + ow) * O;
    float* __restrict d = dx + ((n * g.H + ih) * g.W + iw) * C;
    const float* __restrict kt = k + (kh * g.KW + kw) * cg * O;
    if (cg == 1 && og == 1) {
      PFF_IVDEP
      for (int64_t c = 0; c < C; ++c) d[c] += go[c] * kt[c];
    } else {
      for (int64_t gi = 0; gi < g.groups; ++gi)
        for (int64_t c = 0; c < cg; ++c) {
          const float* kr = kt + c * O + gi * og;
          const float* gg = go + gi * og;
          float s = 0.f;
          for (int64_t j = 0; j < og; ++j) s += gg[j] * kr[j];
          d[gi * cg + c] += s;
        }
    }
  })
}

// Adds this range's kernel gradient into dk.
PFF_HOT void direct_backward_kernel(const float* dout, const float* x, float* dk, int64_t n0,
                                    int64_t n1, const ConvGeom& g) {
  const int64_t cg = g.cg(), og = g.og(), C = g.C, O = g.O;
  PFF_CONV_TAPS(g, n0, n1, {
    const float* __restrict go = dout + ((n * g.OH + oh) * g.OW + ow) * O;
    const float* __restrict xv = x + ((n * g.H + ih) * g.W + iw) * C;
    float* __restrict kt = dk + (kh * g.KW + kw) * cg * O;
    if (cg == 1 && og == 1) {
      PFF_IVDEP
      for (int64_t c = 0; c < C; ++c) kt[c] += xv[c] * go[c];
    } else {
      for (int64_t gi = 0; gi < g.groups; ++gi)
        for (int64_t c = 0; c < cg; ++c) {
          const float v = xv[gi * cg + c];
          float* __restrict kr = kt + c * O + gi * og;
          const float* __restrict gg = go + gi * og;
          PFF_IVDEP
          for (int64_t j = 0; j < og; ++j) kr[j] += v * gg[j];
        }
    }
  })
}

#undef PFF_CONV_TAPS

// col is (nb * OH * OW, KH * KW * Cg): row (n, oh, ow), column (kh, kw, c) of group gi,
// one im2col_plane (conv_detail.h) per sample. (3-D geometries take conv_deep.cpp.)
PFF_HOT void im2col(const float* x, float* col, int64_t nb, int64_t gi, const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch(), HWC = g.H * g.W * g.C;
  for (int64_t n = 0; n < nb; ++n)
    im2col_plane(x + n * HWC + gi * cg, col + n * g.OH * g.OW * P, P, g);
}

/** Samples per im2col block, so one block's patch matrix fits kColBudget. */
int64_t block_rows(const ConvGeom& g) {
  int64_t per = std::max<int64_t>(g.positions() * g.patch(), 1);
  return std::max<int64_t>(1, kColBudget / per);
}

// The adjoint of im2col: adds each patch entry back into dx (which the caller zeroed).
PFF_HOT void col2im(const float* col, float* dx, int64_t nb, int64_t gi, const ConvGeom& g) {
  const int64_t cg = g.cg(), P = g.patch(), HWC = g.H * g.W * g.C;
  for (int64_t n = 0; n < nb; ++n)
    col2im_plane(col + n * g.OH * g.OW * P, dx + n * HWC + gi * cg, P, g);
}

/** Runs f(n0, nb, col) over blocks of batch rows, one chunk of rows per pool thread,
 *  each with its own patch buffer. */
template <typename F>
void over_blocks(const ConvGeom& g, bool need_col, F&& f) {
  const int64_t bs = block_rows(g);
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    Scratch col(need_col ? std::min(bs, e - b) * g.positions() * g.patch() : 0, 0);
    for (int64_t n0 = b; n0 < e; n0 += bs) f(n0, std::min(bs, e - n0), col.data());
  });
}

/** One sample's sizes and one group's patch/output widths, shared by the GEMM paths. */
struct GemmDims {
  int64_t P, og, in_n, out_n;
  explicit GemmDims(const ConvGeom& g)
      : P(g.patch()), og(g.og()), in_n(g.in_sample()), out_n(g.positions() * g.O) {}
};

/** conv_forward's and conv_backward_input's dispatch: direct(b, e) over samples for
 *  depthwise geometries, else block(n0, nb, M, col) per block of batch rows, M its
 *  rows of output positions (col is empty for a pointwise conv, which needs none). */
template <typename Direct, typename Block>
void by_rows(const ConvGeom& g, Direct&& direct, Block&& block) {
  if (is_direct(g)) {
    parallel_for(g.N, 1, [&](int64_t b, int64_t e) { direct(b, e); });
    return;
  }
  over_blocks(g, !is_pointwise(g), [&](int64_t n0, int64_t nb, float* col) {
    block(n0, nb, nb * g.positions(), col);
  });
}

}  // namespace

void conv_forward(const float* x, const float* kernel, float* out, const ConvGeom& g) {
  conv_forward_fused(x, kernel, nullptr, Activation::linear, 0.f, nullptr, out, g);
}

void conv_forward_fused(const float* x, const float* kernel, const float* bias,
                        Activation act, float alpha, float* pre, float* out,
                        const ConvGeom& g) {
  // z: where the pre-activation goes; the output itself when the caller keeps none.
  float* z = pre ? pre : out;
  if (g.deep()) return deep_forward(x, kernel, bias, act, alpha, z, out, g);
  if (conv_small_applies(g)) {  // few filters: conv_small.cpp, then bias and activation
    conv_small_forward(x, kernel, z, g);
    epilogue(z, out, g.N * g.OH * g.OW, g.O, bias, act, alpha);
    return;
  }
  if (is_small_patch(g)) {
    parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
      small_forward(x, kernel, bias, act, alpha, z, out, b, e, g);
    });
    return;
  }
  if (winograd_applies(g, false))
    return winograd_forward(x, kernel, bias, act, alpha, z, out, g);
  const bool pw = is_pointwise(g);
  const GemmDims d(g);
  by_rows(
      g,
      [&](int64_t b, int64_t e) {
        direct_forward(x, kernel, z, b, e, g);
        epilogue(z + b * d.out_n, out + b * d.out_n, (e - b) * g.OH * g.OW, g.O, bias, act,
                 alpha);
      },
      [&](int64_t n0, int64_t nb, int64_t M, float* col) {
        float* zb = z + n0 * d.out_n;
        if (pw) {
          gemm(false, false, M, g.O, g.C, 1.f, x + n0 * d.in_n, g.C, kernel, g.O, 0.f, zb,
               g.O);
        } else {
          for (int64_t gi = 0; gi < g.groups; ++gi) {
            im2col(x + n0 * d.in_n, col, nb, gi, g);
            // z[:, gi*og : (gi+1)*og] (M, og) = col (M, P) @ kernel[:, gi*og ...] (P, og)
            gemm(false, false, M, d.og, d.P, 1.f, col, d.P, kernel + gi * d.og, g.O, 0.f,
                 zb + gi * d.og, g.O);
          }
        }
        // Bias and activation on this block while it is in cache.
        epilogue(zb, out + n0 * d.out_n, M, g.O, bias, act, alpha);
      });
}

void conv_epilogue_backward(Activation act, float alpha, const float* dout, const float* z,
                            const float* out, float* dz, float* dbias, int64_t rows,
                            int64_t O) {
  // Chunks of whole rows, at least kColBudget floats each, one partial bias sum each.
  const int64_t grain = std::max<int64_t>(1, kColBudget / std::max<int64_t>(O, 1));
  const int64_t chunks = std::max<int64_t>(
      1, std::min<int64_t>(get_num_threads(), (rows + grain - 1) / grain));
  std::vector<float> part(dbias ? static_cast<size_t>(chunks * O) : 0);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      const int64_t b = rows * c / chunks, e = rows * (c + 1) / chunks;
      if (act != Activation::linear || dz != dout)
        activation_backward(act, dout + b * O, z ? z + b * O : nullptr, out + b * O,
                            dz + b * O, e - b, O, alpha);
      if (dbias) column_sums(dz + b * O, part.data() + c * O, e - b, O);
    }
  });
  if (!dbias) return;
  std::fill(dbias, dbias + O, 0.f);
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t j = 0; j < O; ++j) dbias[j] += part[c * O + j];
}

void conv_backward_kernel_fused(Activation act, float alpha, const float* dout,
                                const float* z, const float* out, const float* x,
                                float* dkernel, float* dbias, const ConvGeom& g) {
  const int64_t rows = g.N * g.positions(), O = g.O;
  if (!is_small_patch(g)) {
    if (act == Activation::linear) {
      // dz is dout itself: only the bias sums (conv_epilogue_backward writes nothing
      // when dz == dout and the activation is linear).
      conv_epilogue_backward(act, alpha, dout, z, out, const_cast<float*>(dout), dbias, rows,
                             O);
      conv_backward_kernel(dout, x, dkernel, g);
      return;
    }
    std::vector<float> dz(static_cast<size_t>(rows * O));
    conv_epilogue_backward(act, alpha, dout, z, out, dz.data(), dbias, rows, O);
    conv_backward_kernel(dz.data(), x, dkernel, g);
    return;
  }
  // As conv_backward_kernel: one partial dkernel (and dbias) per chunk of batch rows,
  // summed in chunk order.
  const int64_t K = g.patch() * O;
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), g.N));
  std::vector<float> part(static_cast<size_t>(chunks * (K + O)), 0.f);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      float* dk = part.data() + c * (K + O);
      const EpilogueGrad eg{act, alpha, z, out, dbias ? dk + K : nullptr};
      small_backward_kernel(dout, x, dk, g.N * c / chunks, g.N * (c + 1) / chunks, g, &eg);
    }
  });
  std::fill(dkernel, dkernel + K, 0.f);
  if (dbias) std::fill(dbias, dbias + O, 0.f);
  for (int64_t c = 0; c < chunks; ++c) {
    const float* p = part.data() + c * (K + O);
    for (int64_t i = 0; i < K; ++i) dkernel[i] += p[i];
    if (dbias)
      for (int64_t j = 0; j < O; ++j) dbias[j] += p[K + j];
  }
}

void conv_backward_input(const float* dout, const float* kernel, float* dx,
                         const ConvGeom& g) {
  if (g.deep()) return deep_backward_input(dout, kernel, dx, g);
  if (conv_small_applies(g)) return conv_small_backward_input(dout, kernel, dx, g);
  if (winograd_applies(g, true)) return winograd_backward_input(dout, kernel, dx, g);
  const bool pw = is_pointwise(g);
  const GemmDims d(g);
  by_rows(
      g, [&](int64_t b, int64_t e) { direct_backward_input(dout, kernel, dx, b, e, g); },
      [&](int64_t n0, int64_t nb, int64_t M, float* col) {
        if (pw) {
          gemm(false, true, M, g.C, g.O, 1.f, dout + n0 * d.out_n, g.O, kernel, g.O, 0.f,
               dx + n0 * d.in_n, g.C);
          return;
        }
        std::memset(dx + n0 * d.in_n, 0, sizeof(float) * nb * d.in_n);
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          // dcol (M, P) = dout[:, group] (M, og) @ kernel[:, group]^T (og, P)
          gemm(false, true, M, d.P, d.og, 1.f, dout + n0 * d.out_n + gi * d.og, g.O,
               kernel + gi * d.og, g.O, 0.f, col, d.P);
          col2im(col, dx + n0 * d.in_n, nb, gi, g);
        }
      });
}

void conv_backward_kernel(const float* dout, const float* x, float* dkernel,
                          const ConvGeom& g) {
  if (g.deep()) return deep_backward_kernel(dout, x, dkernel, g);
  if (conv_small_applies(g)) return conv_small_backward_kernel(dout, x, dkernel, g);
  const bool pw = is_pointwise(g);
  const GemmDims d(g);
  const int64_t K = d.P * g.O, bs = block_rows(g);
  // One partial dkernel per chunk of batch rows, summed in chunk order afterwards.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(get_num_threads(), g.N));
  std::vector<float> part(static_cast<size_t>(chunks * K), 0.f);
  parallel_for(chunks, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t b = g.N * c / chunks, e = g.N * (c + 1) / chunks;
      float* dk = part.data() + c * K;
      if (is_direct(g)) {
        direct_backward_kernel(dout, x, dk, b, e, g);
        continue;
      }
      if (is_small_patch(g)) {
        small_backward_kernel(dout, x, dk, b, e, g);
        continue;
      }
      Scratch buf(pw ? 0 : std::min(bs, std::max<int64_t>(e - b, 1)) * g.positions() * d.P,
                  0);
      float* col = buf.data();
      for (int64_t n0 = b; n0 < e; n0 += bs) {
        int64_t nb = std::min(bs, e - n0), M = nb * g.positions();
        if (pw) {
          gemm(true, false, g.C, g.O, M, 1.f, x + n0 * d.in_n, g.C, dout + n0 * d.out_n, g.O,
               1.f, dk, g.O);
          continue;
        }
        for (int64_t gi = 0; gi < g.groups; ++gi) {
          im2col(x + n0 * d.in_n, col, nb, gi, g);
          // dk[:, group] (P, og) += col^T (P, M) @ dout[:, group] (M, og)
          gemm(true, false, d.P, d.og, M, 1.f, col, d.P,
               dout + n0 * d.out_n + gi * d.og, g.O, 1.f, dk + gi * d.og, g.O);
        }
      }
    }
  });
  std::memcpy(dkernel, part.data(), sizeof(float) * K);
  for (int64_t c = 1; c < chunks; ++c) {
    const float* p = part.data() + c * K;
    for (int64_t i = 0; i < K; ++i) dkernel[i] += p[i];
  }
}

}  // namespace pyfastfit::cpu
