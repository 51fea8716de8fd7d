// Activation functions as fused row kernels, shared by the elementwise ops, the fused
// Dense op and the fast-path programs. Softmax and log_softmax act on the last axis.
#pragma once
#include "core/kinds.h"
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

using ::pyfastfit::Activation;  // core/kinds.h

/** out = act(z) for `rows` rows of `cols` values; alpha is leaky_relu's slope / elu's alpha. */
void activation_forward(Activation a, const float* z, float* out, int64_t rows,
                        int64_t cols, float alpha);
/** dz = dout * act'(z), from z or from out (whichever the activation needs). */
void activation_backward(Activation a, const float* dout, const float* z,
                         const float* out, float* dz, int64_t rows, int64_t cols,
                         float alpha);

}  // namespace pyfastfit::cpu
