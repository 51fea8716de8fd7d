// Op layer for convolutions: checks shapes, strides, padding and dilation, allocates
// outputs, dispatches to the device kernels. Tensors are channels-last with 1 or 2
// spatial dims; "same"/"valid" are resolved into explicit pads by Python.
#pragma once
#include <optional>
#include <string>
#include <tuple>

#include "core/tensor.h"

namespace pyfastfit {

/** out = conv(x, kernel): x (N, [H,] W, C), kernel ([KH,] KW, C / groups, O) with groups
 *  = C / kernel.shape[-2]; pads per spatial dim at the start (pad_begin) and end. */
Tensor conv_forward(const Tensor& x, const Tensor& kernel, const Shape& strides,
                    const Shape& pad_begin, const Shape& pad_end, const Shape& dilation);

/** (dx, dkernel): gradients of conv_forward; either is empty when not asked. */
std::tuple<Tensor, Tensor> conv_backward(const Tensor& dout, const Tensor& x,
                                         const Tensor& kernel, const Shape& strides,
                                         const Shape& pad_begin, const Shape& pad_end,
                                         const Shape& dilation, bool need_dx,
                                         bool need_dkernel);

/** (out, z): out = activation(conv(x, kernel) + bias), bias (O,) optional, in one pass
 *  (bias and activation applied per block while in cache); z is the pre-activation when
 *  the activation's backward needs it, else an empty tensor. Softmax-like activations
 *  act over the channels. */
std::tuple<Tensor, Tensor> conv_forward_fused(const Tensor& x, const Tensor& kernel,
                                              const std::optional<Tensor>& bias,
                                              const std::string& activation, float alpha,
                                              const Shape& strides, const Shape& pad_begin,
                                              const Shape& pad_end, const Shape& dilation);

/** (dx, dkernel, dbias): gradients of conv_forward_fused given its (out, z); each empty
 *  when not asked. */
std::tuple<Tensor, Tensor, Tensor> conv_backward_fused(
    const Tensor& dout, const Tensor& x, const Tensor& kernel, const Tensor& z,
    const Tensor& out, const std::string& activation, float alpha, const Shape& strides,
    const Shape& pad_begin, const Shape& pad_end, const Shape& dilation, bool need_dx,
    bool need_dkernel, bool need_dbias);

/** Transposed convolution: x (N, [H,] W, I), kernel ([KH,] KW, O, I), out (N,
 *  output_spatial..., O); input position i and tap t write output i * s + t * d -
 *  pad_begin (positions outside the output are dropped). */
Tensor conv_transpose_forward(const Tensor& x, const Tensor& kernel,
                              const Shape& output_spatial, const Shape& strides,
                              const Shape& pad_begin, const Shape& dilation);

/** (dx, dkernel): gradients of conv_transpose_forward; either empty when not asked. */
std::tuple<Tensor, Tensor> conv_transpose_backward(const Tensor& dout, const Tensor& x,
                                                   const Tensor& kernel,
                                                   const Shape& strides,
                                                   const Shape& pad_begin,
                                                   const Shape& dilation, bool need_dx,
                                                   bool need_dkernel);

/** Enables (default) or disables the CPU's Winograd path for 3x3 stride-1 convolutions
 *  and returns the previous setting (benchmarks and tests compare it with im2col). */
bool set_conv_winograd(bool enabled);

}  // namespace pyfastfit
