// Elementwise kernels: binary ops with NumPy broadcasting (a strided walk over a
// collapsed broadcast plan), unary ops and their fused backward, where, clip, cast and
// sum-to-shape. Raw pointers only; the op layer (ops/elementwise.*) owns dtype rules.
#pragma once
#include <cstdint>
#include <vector>

#include "core/dtype.h"

namespace pyfastfit::cpu {

/** Binary op codes (stable: Python reads them from `_C.elementwise_codes()`). */
enum class BinaryOp : int {
  add, subtract, multiply, divide, power, maximum, minimum, floor_divide, mod,
  equal, not_equal, greater, greater_equal, less, less_equal,
  logical_and, logical_or, logical_xor, arctan2, bitwise_and, bitwise_or, bitwise_xor,
  left_shift, right_shift, count
};
/** Unary op codes. */
enum class UnaryOp : int {
  negative, square, sqrt, rsqrt, exp, log, log1p, expm1, abs, sign, floor, ceil, round,
  reciprocal, sin, cos, logical_not, isnan, isfinite, isinf, tan, tanh, sinh, cosh, arcsin,
  arccos, arctan, arcsinh, arccosh, arctanh, trunc, log2, log10, exp2, erf, cbrt, count
};

const char* binary_name(BinaryOp op);
const char* unary_name(UnaryOp op);
/** True for comparisons and logical ops (their output is bool). */
inline bool binary_is_predicate(BinaryOp op) {
  return op >= BinaryOp::equal && op <= BinaryOp::logical_xor;
}

/** A broadcast plan: the output shape with adjacent dims merged where every operand's
 *  strides allow; strides are in elements, 0 on broadcast dims. Operand 0 is the
 *  (contiguous) output. */
struct Plan {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides[4];
  int operands = 0;
  int64_t numel = 1;
};

/** Whether maximum(a, b) (`is_max`) or minimum(a, b) sends its gradient to a: where
 *  a >= b (a <= b), so ties go to the first operand and a NaN on either side sends it to
 *  b. ops::binary_backward builds this mask with the greater_equal / less_equal kernels;
 *  the Program's Maximum/Minimum merges call this: one derivative rule for both paths. */
inline bool extremum_grad_to_first(bool is_max, float a, float b) {
  return is_max ? a >= b : a <= b;
}
/** maximum / minimum of two floats as the binary kernel computes it: a NaN operand wins. */
inline float extremum(bool is_max, float a, float b) {
  return (is_max ? a > b : a < b) || a != a ? a : b;
}

/** Builds a Plan for `out_shape` from each input's shape (right-aligned broadcasting). */
Plan make_plan(const std::vector<int64_t>& out_shape,
               const std::vector<const std::vector<int64_t>*>& in_shapes);

/** out = a (op) b for one dtype `dt` (the compute dtype of both inputs); out is `dt`,
 *  or bool for predicates. */
void binary(BinaryOp op, DType dt, const void* a, const void* b, void* out, const Plan& plan);
/** out = a (op) s, or s (op) a when `reverse`; a is contiguous with n elements. */
void binary_scalar(BinaryOp op, DType dt, const void* a, double s, bool reverse, void* out,
                   int64_t n);
/** out = op(x) for n elements; x and out have dtype `dt`, except predicates (bool out). */
void unary(UnaryOp op, DType dt, const void* x, void* out, int64_t n);
/** dx = g * op'(x) from x and/or out (float32). */
void unary_backward(UnaryOp op, const float* g, const float* x, const float* out, float* dx,
                    int64_t n);
/** out = cond ? a : b with broadcasting; cond is bool (1 byte), a/b/out have dtype dt. */
void where(DType dt, const uint8_t* cond, const void* a, const void* b, void* out,
           const Plan& plan);
/** out = min(max(x, lo), hi) (NaN stays NaN). */
void clip(DType dt, const void* x, double lo, double hi, void* out, int64_t n);
/** dx = g where lo <= x <= hi, else 0. */
void clip_backward(const float* g, const float* x, double lo, double hi, float* dx,
                   int64_t n);
/** NaN -> nan, +inf -> posinf, -inf -> neginf. */
void nan_to_num(const float* x, float nan, float posinf, float neginf, float* out, int64_t n);
/** Converts n elements from `from` to `to` (bool: nonzero -> 1). */
void cast(DType from, const void* x, DType to, void* out, int64_t n);
/** out (shape of plan operand 1, zero-filled by the caller) += g summed over broadcast
 *  axes: the plan maps g's shape (operand 0) onto out's strides (operand 1). */
void sum_to(const float* g, float* out, const Plan& plan);

}  // namespace pyfastfit::cpu
