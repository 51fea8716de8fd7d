// Op layer for activations (elementwise, and softmax/log_softmax over the last axis).
#pragma once
#include <string>

#include "core/tensor.h"

namespace pyfastfit {

/** act(x) by Keras name; alpha is leaky_relu's slope / elu's alpha. */
Tensor activation_forward(const Tensor& x, const std::string& activation, float alpha);
/** dx = dout * act'(x), given the forward's input x and output out. */
Tensor activation_backward(const Tensor& dout, const Tensor& x, const Tensor& out,
                           const std::string& activation, float alpha);

}  // namespace pyfastfit
