// Op layer for reductions: maps any set of axes onto an (outer, r, inner) view (a
// permuted copy only when the reduced axes are not adjacent) and dispatches to cpu::.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pyfastfit {

/** op ("sum", "mean", "max", "min", "prod", "var", "std", "logsumexp") over `axes`
 *  (normalised, unique); float32 for every op but integer sum/prod/max/min. */
Tensor reduce(const Tensor& x, const std::vector<int64_t>& axes, const std::string& op,
              bool keepdims, int64_t ddof = 0);
/** dx of a float32 reduction, from g and out (shaped as the op's output). */
Tensor reduce_backward(const Tensor& g, const Tensor& x, const Tensor& out,
                       const std::vector<int64_t>& axes, const std::string& op,
                       int64_t ddof = 0);
/** any / all over axes (bool output). */
Tensor reduce_any_all(const Tensor& x, const std::vector<int64_t>& axes, bool any,
                      bool keepdims);
/** argmax / argmin over one axis (int64); axis < 0 means over the flattened tensor. */
Tensor argreduce(const Tensor& x, int64_t axis, bool is_max, bool keepdims);
/** cumsum / cumprod along axis, optionally reversed. */
Tensor cumulative(const Tensor& x, int64_t axis, bool prod, bool reverse);

}  // namespace pyfastfit
