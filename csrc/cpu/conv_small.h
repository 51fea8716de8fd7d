// Direct convolution kernels for few output channels per group (a first Conv2D with
// 3 filters, a Conv1D head): im2col + GEMM spends its time copying patches there, since a
// GEMM with 1-8 output columns does almost no arithmetic per byte. Same NHWC semantics
// and ConvGeom as conv.h; conv.cpp calls these when conv_small_applies(g).
#pragma once
#include "cpu/conv.h"

namespace pyfastfit::cpu {

/** True when the direct kernels below take this geometry: at most 8 output channels per
 *  group and at most 128 weights per tap and group (cg * og), and neither a pointwise
 *  (a plain GEMM) nor a depthwise (conv.cpp's own direct loop over channels) convolution,
 *  nor an empty one. */
bool conv_small_applies(const ConvGeom& g);

/** out(N, OH, OW, O) = conv(x, kernel), as conv_forward. */
void conv_small_forward(const float* x, const float* kernel, float* out, const ConvGeom& g);

/** dkernel(KH, KW, C / groups, O), as conv_backward_kernel: one partial sum per chunk of
 *  batch rows, added in chunk order, so the bits depend on the thread count only. */
void conv_small_backward_kernel(const float* dout, const float* x, float* dkernel,
                                const ConvGeom& g);

/** dx(N, H, W, C), as conv_backward_input. */
void conv_small_backward_input(const float* dout, const float* kernel, float* dx,
                               const ConvGeom& g);

}  // namespace pyfastfit::cpu
