// Max and average pooling over NHWC / NDHWC tensors (1-D runs as H = 1, 2-D as D = 1), forward with the
// argmax indices (max) and the scatter backward.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** Sizes of one pooling. x is (N, H, W, C), out (N, OH, OW, C). Window (oh, ow) covers
 *  rows oh * sh - pt + [0, KH) and columns ow * sw - pl + [0, KW); positions outside the
 *  input (the padding) are skipped: neither a candidate max nor counted in the mean.
 *  3-D pooling sets the depth members after them (x (N, D, H, W, C), out (N, OD, OH, OW,
 *  C), window depths od * sd - pf + [0, KD)); their defaults are the 2-D geometry. */
struct PoolGeom {
  int64_t N, H, W, C, OH, OW, KH, KW, sh, sw, pt, pl;
  int64_t D = 1, OD = 1, KD = 1, sd = 1, pf = 0;
};

/** out = max over each window; idx (N, OD, OH, OW, C) gets the winner's
 *  (d * H + h) * W + w within its sample (-1 and out = 0 for a window with no input in it). NaN wins. */
void max_pool_forward(const float* x, float* out, int32_t* idx, const PoolGeom& g);

/** dx (N, H, W, C) = dout scattered to the argmax positions idx. */
void max_pool_backward(const float* dout, const int32_t* idx, float* dx, const PoolGeom& g);

/** out = mean over the input positions in each window (0 for an empty window). */
void average_pool_forward(const float* x, float* out, const PoolGeom& g);

/** dx = each dout spread evenly over its window's input positions. */
void average_pool_backward(const float* dout, float* dx, const PoolGeom& g);

/** Masked mean over the steps (GlobalAveragePooling1D with a mask): x is (B, T, C),
 *  mask (B, T) of 0 / 1, y(B, C) = sum_t x * mask / sum_t mask (NaN for a sample with
 *  every step masked, as 0 / 0). */
void masked_mean_pool_forward(const float* x, const float* mask, int64_t B, int64_t T,
                              int64_t C, float* y);

/** dx(B, T, C) = dy(B, C) / sum_t mask * mask of masked_mean_pool_forward. */
void masked_mean_pool_backward(const float* dy, const float* mask, int64_t B, int64_t T,
                               int64_t C, float* dx);

}  // namespace pyfastfit::cpu
