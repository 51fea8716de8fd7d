// Winograd F(2x2, 3x3) for 3x3, stride-1, undilated, ungrouped 2-D convolutions: each
// 2x2 block of outputs costs 16 multiplies per (input, output) channel pair instead of
// 36, as 16 GEMMs over tiles. conv.cpp calls these when winograd_applies; the kernel
// gradient stays im2col + GEMM. Same NHWC semantics and ConvGeom as conv.h.
#pragma once
#include <cstdint>

#include "cpu/activation.h"
#include "cpu/conv.h"

namespace pyfastfit::cpu {

/** Fewest input and output channels the Winograd path takes, and fewest input channels
 *  (the width of its GEMMs' output) for the input gradient: below these the GEMMs are too
 *  thin to beat im2col's (measured at 13x13, batch 128: forward C 8 -> O 64 1.5x faster,
 *  64 -> 8 1.4x; input gradient 64 -> 8 1.9x, but C 8 or 12 -> 64 0.9-1.0x). */
constexpr int64_t kWinogradMinChannels = 8, kWinogradMinGradChannels = 16;
/** Least multiply saving it takes, Num / Den: im2col's 9 * OH * OW multiplies per
 *  channel pair against its 16 per tile of what the pass writes. */
constexpr int64_t kWinogradSavingNum = 5, kWinogradSavingDen = 4;
/** Fewest tiles (batch x tiles per sample) a call takes it for. */
constexpr int64_t kWinogradMinTiles = 64;

/** True when conv_forward_fused (input_gradient false) or conv_backward_input (true)
 *  takes the Winograd kernels for this geometry: a 2-D 3x3 kernel, stride 1, dilation 1,
 *  one group, begin pads of 0-2 (valid or same), at least kWinogradMinChannels input and
 *  output channels (kWinogradMinGradChannels input channels for the input gradient), a
 *  multiply saving of at least kWinogradSavingNum / kWinogradSavingDen over im2col, at
 *  least kWinogradMinTiles tiles, and the path enabled. (conv.cpp asks after the few-
 *  filter and few-float-patch kernels, which keep their geometries.) */
bool winograd_applies(const ConvGeom& g, bool input_gradient);

/** Enables (default) or disables the Winograd path and returns the previous setting:
 *  for benchmarks and tests that compare it with im2col + GEMM in one process. */
bool set_winograd_enabled(bool enabled);

/** As conv_forward_fused on a geometry winograd_applies to: z(N, OH, OW, O) = conv(x,
 *  kernel) + bias, out = act(z) per block while it is in cache; z may be out. */
void winograd_forward(const float* x, const float* kernel, const float* bias,
                      Activation act, float alpha, float* z, float* out, const ConvGeom& g);

/** As conv_backward_input on a geometry winograd_applies to: dx(N, H, W, C) is the
 *  stride-1 correlation of dout with the kernel turned 180 degrees, C and O swapped. */
void winograd_backward_input(const float* dout, const float* kernel, float* dx,
                             const ConvGeom& g);

}  // namespace pyfastfit::cpu
