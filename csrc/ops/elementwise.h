// Op layer for elementwise ops: broadcasting shapes, dtype promotion (Keras/JAX-like:
// strong tensor dtypes, weak Python scalars), output allocation, dispatch to cpu::.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "cpu/elementwise.h"

namespace pyfastfit {

/** NumPy broadcast of two shapes; throws "[op] operands could not be broadcast ..." */
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);
/** Promotion of two tensor dtypes: bool < uint8 < int32 < int64 < float32. */
DType promote_types(DType a, DType b);
/** x converted to `dt` (x itself when it already has it). */
Tensor astype(const Tensor& x, DType dt);

/** a (op) b with broadcasting and dtype promotion. */
Tensor binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b);
/** a (op) s (or s (op) a when reverse) with s a weak Python scalar (int when s_is_int). */
Tensor binary_scalar(cpu::BinaryOp op, const Tensor& a, double s, bool s_is_int, bool reverse);
/** (da, db): gradients of a (op) b for the output gradient g, each summed down to its
 *  input's shape; nullopt for non-float32 inputs and non-differentiable ops. */
std::pair<std::optional<Tensor>, std::optional<Tensor>> binary_backward(
    cpu::BinaryOp op, const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& out);
/** op(x); float functions of integer inputs compute in float32. */
Tensor unary(cpu::UnaryOp op, const Tensor& x);
/** dx = g * op'(x) (float32), from the forward's input x and output out. */
Tensor unary_backward(cpu::UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& out);
/** cond ? a : b with three-way broadcasting; a and b are promoted to a common dtype. */
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
/** min(max(x, lo), hi), keeping x's dtype. */
Tensor clip(const Tensor& x, double lo, double hi);
/** g where lo <= x <= hi, else 0. */
Tensor clip_backward(const Tensor& g, const Tensor& x, double lo, double hi);
/** Replaces NaN, +inf and -inf in a float32 tensor. */
Tensor nan_to_num(const Tensor& x, double nan, double posinf, double neginf);
/** g (a gradient of a broadcast result) summed over broadcast axes down to `shape`. */
Tensor sum_to_shape(const Tensor& g, const Shape& shape);

}  // namespace pyfastfit
