// Small helpers shared by the Program's translation units (program, forward, backward).
#pragma once
#include <cstdint>

#include "core/tensor.h"
#include "cpu/activation.h"

namespace pyfastfit::program::detail {

inline bool rowwise(Activation a) {
  return a == Activation::softmax || a == Activation::log_softmax;
}
// activation_forward/backward take (rows, cols): row-wise activations need the batch
// shape, elementwise ones treat the whole buffer as one row.
inline int64_t act_rows(Activation a, int64_t b) { return rowwise(a) ? b : 1; }
inline int64_t act_cols(Activation a, int64_t b, int64_t w) {
  return rowwise(a) ? w : b * w;
}
// Whether an optional buffer was allocated (a default Tensor is an empty scalar).
inline bool has(const Tensor& t) { return t.raw() != nullptr; }
inline float* ptr_or_null(const Tensor& t) { return has(t) ? t.f32() : nullptr; }

}  // namespace pyfastfit::program::detail
