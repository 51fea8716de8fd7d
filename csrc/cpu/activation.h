// Activation functions as fused row kernels, shared by the elementwise ops, the fused
// Dense op and the fast-path programs. Softmax and log_softmax act on the last axis.
#pragma once
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

enum class Activation {
  linear, relu, sigmoid, tanh, softmax, log_softmax, gelu, gelu_approximate, elu,
  selu, softplus, softsign, swish, leaky_relu, exponential, relu6, hard_sigmoid
};

/** Parses a Keras activation name ("relu", "silu" = "swish", ...); throws on others. */
Activation parse_activation(const std::string& name);
/** The canonical name of `a`. */
std::string activation_name(Activation a);
/** True when the backward needs the pre-activation z, not just the output. */
bool activation_backward_needs_input(Activation a);

/** out = act(z) for `rows` rows of `cols` values; alpha is leaky_relu's slope / elu's alpha. */
void activation_forward(Activation a, const float* z, float* out, int64_t rows,
                        int64_t cols, float alpha);
/** dz = dout * act'(z), from z or from out (whichever the activation needs). */
void activation_backward(Activation a, const float* dout, const float* z,
                         const float* out, float* dz, int64_t rows, int64_t cols,
                         float alpha);

}  // namespace pyfastfit::cpu
