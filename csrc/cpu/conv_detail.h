// Internals shared by the convolution kernel files (cpu/conv.cpp, cpu/conv_patch.cpp,
// cpu/conv_deep.cpp, cpu/conv_winograd.cpp, cpu/conv_pool.cpp); not part of the kernel API.
#pragma once
#include <cstdint>

#include "cpu/activation.h"
#include "cpu/conv.h"

namespace pyfastfit::cpu::conv_detail {

/** A per-thread buffer of at least n floats (contents undefined), reused across calls:
 *  a fresh vector per call would zero it and, past malloc's mmap threshold, fault its
 *  pages in again every time. One per slot and thread; valid while this object lives.
 *  A buffer grown past kScratchKeep floats is released again when the object goes, so a
 *  one-off large convolution does not pin its memory to the pool's threads. */
class Scratch {
 public:
  Scratch(int64_t n, int slot);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* data() const { return data_; }

 private:
  float* data_;
  int slot_;
};

/** Scratch slots per thread: 0 and 1 for the convolution kernels' own buffers, 2 and 3
 *  for cpu/conv_pool.cpp's per-block buffers, which live across the kernels it calls. */
constexpr int kScratchSlots = 4;

/** Floats a thread keeps per scratch slot between calls (16 MiB). */
constexpr int64_t kScratchKeep = int64_t{1} << 22;

/** The forward epilogue on `rows` output rows of O channels, in place in z: z += bias
 *  (when given), then out = act(z); z keeps the pre-activation. z may equal out (then the
 *  pre-activation is overwritten). */
void epilogue(float* z, float* out, int64_t rows, int64_t O, const float* bias,
              Activation act, float alpha);

// A patch matrix of at most this many floats per thread (1 MiB) stays in L2/L3 while
// the GEMM reads it back.
constexpr int64_t kColBudget = 1 << 18;

// One depth plane's patch rows: the OH * OW rows (stride P) of a patch matrix, columns
// (kh, kw, c) of one group (KH * KW * C / groups of them), read from the plane xs (H, W,
// C), offset to the group's first channel. A 2-D convolution's im2col is one plane per
// sample; a 3-D one fills KD planes side by side per output depth (conv_deep.cpp). Plain
// loops rather than memcpy: with few channels per group (the first layer of an image
// model has one) a library call per tap costs more than the copy. Always inlined, so
// they compile inside the callers' AVX2 clones.
__attribute__((always_inline)) inline void im2col_plane(const float* xs, float* col,
                                                        int64_t P, const ConvGeom& g) {
  const int64_t cg = g.cg();
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      float* dst = col + (oh * g.OW + ow) * P;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        int64_t ih = oh * g.sh - g.pt + kh * g.dh;
        if (ih < 0 || ih >= g.H) {
          for (int64_t i = 0; i < g.KW * cg; ++i) dst[i] = 0.f;
          dst += g.KW * cg;
          continue;
        }
        const float* row = xs + ih * g.W * g.C;
        if (cg == 1) {
          // One channel per group: a gather, without a copy loop (and its alias check)
          // per tap.
          for (int64_t kw = 0; kw < g.KW; ++kw) {
            int64_t iw = ow * g.sw - g.pl + kw * g.dw;
            dst[kw] = iw < 0 || iw >= g.W ? 0.f : row[iw * g.C];
          }
          dst += g.KW;
          continue;
        }
        for (int64_t kw = 0; kw < g.KW; ++kw, dst += cg) {
          int64_t iw = ow * g.sw - g.pl + kw * g.dw;
          if (iw < 0 || iw >= g.W) {
            for (int64_t c = 0; c < cg; ++c) dst[c] = 0.f;
          } else {
            const float* src = row + iw * g.C;
            for (int64_t c = 0; c < cg; ++c) dst[c] = src[c];
          }
        }
      }
    }
  }
}


__attribute__((always_inline)) inline void col2im_plane(const float* col, float* xs,
                                                        int64_t P, const ConvGeom& g) {
  const int64_t cg = g.cg();
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const float* src = col + (oh * g.OW + ow) * P;
      for (int64_t kh = 0; kh < g.KH; ++kh) {
        int64_t ih = oh * g.sh - g.pt + kh * g.dh;
        for (int64_t kw = 0; kw < g.KW; ++kw, src += cg) {
          int64_t iw = ow * g.sw - g.pl + kw * g.dw;
          if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) continue;
          float* d = xs + (ih * g.W + iw) * g.C;
          for (int64_t c = 0; c < cg; ++c) d[c] += src[c];
        }
      }
    }
  }
}

/** 3-D (deep()) convolutions: im2col + GEMM per block of output depth planes (n, od)
 *  rather than per sample, so that one volume's patch matrix is split into blocks of
 *  kColBudget and a small batch still spreads over the pool. Same contracts as
 *  conv_forward_fused (z: where the pre-activation goes, out itself when none is kept),
 *  conv_backward_input and conv_backward_kernel. */
void deep_forward(const float* x, const float* kernel, const float* bias, Activation act,
                  float alpha, float* z, float* out, const ConvGeom& g);
void deep_backward_input(const float* dout, const float* kernel, float* dx,
                         const ConvGeom& g);
void deep_backward_kernel(const float* dout, const float* x, float* dkernel,
                          const ConvGeom& g);

/** Convolutions whose patch is a few floats (a first layer on 1-3 channels): im2col +
 *  GEMM there is memory-bound (K = patch), so they run as register-blocked direct loops. */
bool is_small_patch(const ConvGeom& g);

/** z/out of samples [n0, n1) for a small-patch convolution, with the epilogue. */
void small_forward(const float* x, const float* kernel, const float* bias, Activation act,
                   float alpha, float* z, float* out, int64_t n0, int64_t n1,
                   const ConvGeom& g);

/** The forward epilogue's backward, for kernels that apply it per output row in cache:
 *  dz = dout * act'(z or out); dbias (nullable) accumulates dz's column sums. z, out
 *  address the whole output, as dout does. */
struct EpilogueGrad {
  Activation act;
  float alpha;
  const float* z;
  const float* out;
  float* dbias;
};

/** dk (patch, O) += the kernel gradient of samples [n0, n1), small-patch convolutions;
 *  with eg, of the fused forward (dout taken through eg's epilogue backward per row). */
void small_backward_kernel(const float* dout, const float* x, float* dk, int64_t n0,
                           int64_t n1, const ConvGeom& g, const EpilogueGrad* eg = nullptr);

}  // namespace pyfastfit::cpu::conv_detail
