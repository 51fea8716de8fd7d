// Internals shared by the convolution kernel files (cpu/conv.cpp, cpu/conv_patch.cpp);
// not part of the kernel API.
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

/** Floats a thread keeps per scratch slot between calls (16 MiB). */
constexpr int64_t kScratchKeep = int64_t{1} << 22;

/** The forward epilogue on `rows` output rows of O channels, in place in z: z += bias
 *  (when given), then out = act(z); z keeps the pre-activation. z may equal out (then the
 *  pre-activation is overwritten). */
void epilogue(float* z, float* out, int64_t rows, int64_t O, const float* bias,
              Activation act, float alpha);

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
