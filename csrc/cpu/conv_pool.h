// A convolution and the max pooling that reads it, by blocks of a few samples: the
// convolution's output goes to a per-block buffer that stays in cache instead of a batch
// buffer in memory, and the pooling's gradient becomes the convolution's output gradient
// (the argmax positions through the activation's derivative) in that buffer. For filter
// groups of few channels, where cpu/conv_sparse.h's loops do not vectorise: W3's first
// layer (one channel, 26x26x32 outputs: 11 MB written and read back per step unfused).
#pragma once
#include <cstdint>

#include "cpu/activation.h"
#include "cpu/conv.h"
#include "cpu/pool.h"

namespace pyfastfit::cpu {

/** Samples per block for a convolution of g's output size (at least 1). */
int64_t conv_pool_block(const ConvGeom& g);

/** out (N, POH, POW, O) = max_pool(act(conv(x) + bias)) with the pooling's argmax idx, and
 *  z_at (nullable; when act's backward reads z) = z at each argmax (0 for an empty
 *  window). g.N = pg.N = the samples; pg's input is the convolution's output. */
void conv_max_pool_forward(const float* x, const float* kernel, const float* bias,
                           Activation act, float alpha, float* out, int32_t* idx, float* z_at,
                           const ConvGeom& g, const PoolGeom& pg);

/** The backward of conv_max_pool_forward from dout (N, POH, POW, O): dkernel and dbias
 *  (nullable) are overwritten with sums over blocks of conv_pool_block samples, added in
 *  block order; dx (nullable) gets the input gradient. */
void conv_max_pool_backward(const float* dout, const int32_t* idx, const float* out,
                            const float* z_at, Activation act, float alpha, const float* x,
                            const float* kernel, float* dkernel, float* dbias, float* dx,
                            const ConvGeom& g, const PoolGeom& pg);

}  // namespace pyfastfit::cpu
