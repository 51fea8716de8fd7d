// Op layer for matrix products and the fused Dense op: checks shapes and dtypes,
// allocates outputs, dispatches to the device kernels.
#pragma once
#include <optional>
#include <string>
#include <tuple>

#include "core/tensor.h"

namespace pyfastfit {

/** op(a) @ op(b): a is (..., M, K) with b (K, N), or both (batch..., M, K)/(batch..., K, N). */
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false,
              bool transpose_b = false);

/** (out, z): out = act(x @ kernel + bias); z is the pre-activation when the backward
 *  needs it, else an empty tensor. x is (..., IN). */
std::tuple<Tensor, Tensor> dense_forward(const Tensor& x, const Tensor& kernel,
                                         const std::optional<Tensor>& bias,
                                         const std::string& activation, float alpha);

/** (dx, dkernel, dbias): gradients of dense_forward; dx/dbias empty when not asked. */
std::tuple<Tensor, Tensor, Tensor> dense_backward(const Tensor& dout, const Tensor& x,
                                                  const Tensor& kernel, const Tensor& z,
                                                  const Tensor& out,
                                                  const std::string& activation,
                                                  float alpha, bool need_dx,
                                                  bool need_dbias);

}  // namespace pyfastfit
