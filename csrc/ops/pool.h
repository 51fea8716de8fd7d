// Op layer for max and average pooling: checks, allocation, dispatch. Channels-last
// with 1 or 2 spatial dims; pads come explicit from Python ("same" resolved there).
#pragma once
#include <string>
#include <tuple>

#include "core/tensor.h"

namespace pyfastfit {

/** (out, argmax): max pooling; argmax is int32 (N, out spatial..., C), each entry the
 *  flat spatial index of the winner within its sample (-1 for an empty window). */
std::tuple<Tensor, Tensor> max_pool_forward(const Tensor& x, const Shape& pool_size,
                                            const Shape& strides, const Shape& pad_begin,
                                            const Shape& pad_end);

/** dx of max_pool_forward: dout scattered to argmax within x_shape. The forward's
 *  pool_size, strides and pads (optional: empty when unknown) let windows that tile the
 *  input be written in one pass. */
Tensor max_pool_backward(const Tensor& dout, const Tensor& argmax, const Shape& x_shape,
                         const Shape& pool_size = {}, const Shape& strides = {},
                         const Shape& pad_begin = {}, const Shape& pad_end = {});

/** Mean over each window's input positions (padding not counted). */
Tensor average_pool_forward(const Tensor& x, const Shape& pool_size, const Shape& strides,
                            const Shape& pad_begin, const Shape& pad_end);

/** dx of average_pool_forward (x_shape is x's shape). */
Tensor average_pool_backward(const Tensor& dout, const Shape& x_shape, const Shape& pool_size,
                             const Shape& strides, const Shape& pad_begin,
                             const Shape& pad_end);

/** y (B, C): the mean of x (B, T, C) over the steps where mask (B, T) is 1 (a float 0 / 1
 *  mask; GlobalAveragePooling1D with a mask). */
Tensor masked_mean_pool_forward(const Tensor& x, const Tensor& mask);

/** dx (B, T, C) of masked_mean_pool_forward from dy (B, C). */
Tensor masked_mean_pool_backward(const Tensor& dy, const Tensor& mask);

}  // namespace pyfastfit
