// Convolution kernels over NHWC / NDHWC tensors (1-D runs as H = 1, 2-D as D = 1): im2col per block of batch
// rows + the OpenBLAS GEMM forward, col2im for the input gradient, one GEMM per block
// for the kernel gradient; register-blocked direct loops for few-float patches (a first
// layer on 1-3 channels) and for depthwise convolutions. conv_forward_fused adds the bias
// and activation per block while the block is in cache.
#pragma once
#include <cstdint>

#include "cpu/activation.h"

namespace pyfastfit::cpu {

/** Sizes of one convolution. x is (N, H, W, C), the kernel (KH, KW, C / groups, O) as
 *  Keras lays it out, out is (N, OH, OW, O). Output (oh, ow) reads input rows
 *  oh * sh - pt + kh * dh and columns ow * sw - pl + kw * dw; reads outside the input
 *  are zeros (the padding), so the end padding is implied by OH and OW.
 *  A 3-D convolution sets the depth members after them: x (N, D, H, W, C), kernel
 *  (KD, KH, KW, C / groups, O), out (N, OD, OH, OW, O), output depth od reading input
 *  depth od * sd - pf + kd * dd. Their defaults (depth 1) are the 2-D geometry, so the
 *  2-D initialisers stay valid; deep() geometries take the im2col + GEMM path only. */
struct ConvGeom {
  int64_t N, H, W, C, OH, OW, O, KH, KW, sh, sw, dh, dw, pt, pl, groups;
  int64_t D = 1, OD = 1, KD = 1, sd = 1, dd = 1, pf = 0;
  int64_t cg() const { return C / groups; }
  int64_t og() const { return O / groups; }
  /** Rows of a patch matrix: KD * KH * KW * C / groups. */
  int64_t patch() const { return KD * KH * KW * cg(); }
  /** Whether the depth dims are in use (the 2-D-only kernels do not apply). */
  bool deep() const { return D != 1 || OD != 1 || KD != 1 || pf != 0; }
  /** Output positions per sample: OD * OH * OW. */
  int64_t positions() const { return OD * OH * OW; }
  /** Floats of one input sample: D * H * W * C. */
  int64_t in_sample() const { return D * H * W * C; }
};

/** out(N, OH, OW, O) = conv(x, kernel). */
void conv_forward(const float* x, const float* kernel, float* out, const ConvGeom& g);

/** out(N, OH, OW, O) = act(conv(x, kernel) + bias), bias (O) nullable. pre (nullable, of
 *  out's size) receives z = conv + bias, as act's backward needs when
 *  activation_backward_needs_input(act); alpha is leaky_relu's slope / elu's alpha.
 *  Softmax-like activations act over O. */
void conv_forward_fused(const float* x, const float* kernel, const float* bias,
                        Activation act, float alpha, float* pre, float* out,
                        const ConvGeom& g);

/** The backward of conv_forward_fused's epilogue over rows (N * OH * OW) of O channels:
 *  dz = dout * act'(z), reading z (pre) or out as act needs (z may be null when
 *  !activation_backward_needs_input(act)), and dbias (nullable) = dz summed over rows
 *  (per-thread partials added in a fixed order). dz may be dout itself. */
void conv_epilogue_backward(Activation act, float alpha, const float* dout, const float* z,
                            const float* out, float* dz, float* dbias, int64_t rows,
                            int64_t O);

/** dkernel and dbias (nullable) of conv_forward_fused from dout, given its z (null
 *  when act's backward does not need it) and out: conv_epilogue_backward then
 *  conv_backward_kernel, except that the few-float-patch kernels apply the epilogue's
 *  backward per output row in cache, without a dz buffer. For callers that need no input
 *  gradient (a first layer). */
void conv_backward_kernel_fused(Activation act, float alpha, const float* dout,
                                const float* z, const float* out, const float* x,
                                float* dkernel, float* dbias, const ConvGeom& g);

/** dx(N, H, W, C) from dout(N, OH, OW, O): the transpose of conv_forward in x (also
 *  the forward of a transposed convolution). */
void conv_backward_input(const float* dout, const float* kernel, float* dx,
                         const ConvGeom& g);

/** dkernel(KH, KW, C / groups, O) from dout(N, OH, OW, O) and x(N, H, W, C). */
void conv_backward_kernel(const float* dout, const float* x, float* dkernel,
                          const ConvGeom& g);

}  // namespace pyfastfit::cpu
