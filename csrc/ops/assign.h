// Op layer for in-place writes into a state tensor (a Variable's storage): assign, and
// add / subtract with NumPy broadcasting of the source onto the destination's shape.
// Arguments are Tensors only, so a captured step can replay them.
#pragma once
#include "core/tensor.h"

namespace pyfastfit {

/** dst[...] = src (src has dst's shape; converted to dst's dtype). */
void assign_(const Tensor& dst, const Tensor& src);

/** dst += src (src broadcasts to dst's shape; converted to dst's dtype first; a bool dst
 *  takes the logical or, as NumPy's add). */
void assign_add_(const Tensor& dst, const Tensor& src);

/** dst -= src (src broadcasts to dst's shape; converted to dst's dtype first). */
void assign_sub_(const Tensor& dst, const Tensor& src);

}  // namespace pyfastfit
