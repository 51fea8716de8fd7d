// Op layer for shape and indexing ops: checks, output allocation, dispatch to cpu::.
// Axes arrive normalised (non-negative) from Python, which owns the user-facing errors;
// the checks here guard the kernels.
#pragma once
#include <string>
#include <tuple>
#include <vector>

#include "core/tensor.h"

namespace pyfastfit {

/** DType from its name ("float32", "int32", "int64", "uint8", "bool"). */
DType dtype_from_name(const std::string& name);

/** x with dims permuted: out.shape[i] = x.shape[perm[i]]. */
Tensor transpose(const Tensor& x, const std::vector<int64_t>& perm);
/** Basic slicing: per dim, `counts[d]` elements from starts[d] by steps[d] (may be < 0). */
Tensor strided_slice(const Tensor& x, const Shape& starts, const Shape& steps,
                     const Shape& counts);
/** A view of `shape` starting `offset` elements into x's storage (zero-copy; the block
 *  must lie inside x). */
Tensor contiguous_view(const Tensor& x, int64_t offset, const Shape& shape);
/** Adjoint of strided_slice: zeros of `shape` with g written at the sliced positions. */
Tensor strided_slice_backward(const Tensor& g, const Shape& shape, const Shape& starts,
                              const Shape& steps, const Shape& counts);
/** A copy of x with the block at `starts` replaced by `updates` (same rank, fits). */
Tensor slice_update(const Tensor& x, const Shape& starts, const Tensor& updates);
/** NumPy broadcasting of x to `shape` (copies). */
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/** x.take(indices, axis): indices of any integer dtype; negative ones wrap, or are an
    error when `allow_negative` is false (embedding lookups). */
Tensor take(const Tensor& x, const Tensor& indices, int64_t axis, bool allow_negative = true);
/** Adjoint of take (float32 scatter-add into zeros of `shape`). */
Tensor take_backward(const Tensor& g, const Tensor& indices, const Shape& shape, int64_t axis);
/** np.take_along_axis with indices of x's rank and x's shape except at axis. */
Tensor take_along_axis(const Tensor& x, const Tensor& indices, int64_t axis);
/** Adjoint of take_along_axis. */
Tensor take_along_axis_backward(const Tensor& g, const Tensor& indices, const Shape& shape,
                                int64_t axis);
/** Concatenation along axis; all inputs share dtype and the other dims. */
Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis);
/** Constant padding: before[d] and after[d] elements of `value` on each side. */
Tensor pad(const Tensor& x, const Shape& before, const Shape& after, double value);
/** Element type conversion (float -> int truncates; -> bool is x != 0). */
Tensor cast(const Tensor& x, const std::string& dtype);
/** A tensor of `shape` filled with value. */
Tensor full(const Shape& shape, double value, const std::string& dtype);
/** One-hot along a new last axis; labels outside [0, depth) give an all-zero row. */
Tensor one_hot(const Tensor& labels, int64_t depth, const std::string& dtype);
/** Stable argsort along the last axis (int64). */
Tensor argsort(const Tensor& x, bool descending);
/** Indices (int64) of the k largest values along the last axis. */
Tensor top_k_indices(const Tensor& x, int64_t k, bool sorted);

}  // namespace pyfastfit
