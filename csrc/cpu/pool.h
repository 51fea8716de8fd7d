// Max and average pooling over NHWC tensors (1-D runs as H = 1), forward with the
// argmax indices (max) and the scatter backward.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** Sizes of one pooling. x is (N, H, W, C), out (N, OH, OW, C). Window (oh, ow) covers
 *  rows oh * sh - pt + [0, KH) and columns ow * sw - pl + [0, KW); positions outside the
 *  input (the padding) are skipped: neither a candidate max nor counted in the mean. */
struct PoolGeom {
  int64_t N, H, W, C, OH, OW, KH, KW, sh, sw, pt, pl;
};

/** out = max over each window; idx (N, OH, OW, C) gets the winner's h * W + w within
 *  its sample (-1 and out = 0 for a window with no input in it). NaN wins. */
void max_pool_forward(const float* x, float* out, int32_t* idx, const PoolGeom& g);

/** dx (N, H, W, C) = dout scattered to the argmax positions idx. */
void max_pool_backward(const float* dout, const int32_t* idx, float* dx, const PoolGeom& g);

/** out = mean over the input positions in each window (0 for an empty window). */
void average_pool_forward(const float* x, float* out, const PoolGeom& g);

/** dx = each dout spread evenly over its window's input positions. */
void average_pool_backward(const float* dout, float* dx, const PoolGeom& g);

}  // namespace pyfastfit::cpu
