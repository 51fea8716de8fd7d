// Reduction kernels over the middle axis of an (outer, r, inner) float32 view: the last
// axis is inner == 1 (row reductions), axis 0 of a matrix is outer == 1 (column sums).
// Sums accumulate in double. NaN propagates as in NumPy.
#pragma once
#include "core/kinds.h"
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

using ::pyfastfit::Reduce;  // core/kinds.h

/** out (outer, inner) = op over r of x (outer, r, inner); ddof for var/std. */
void reduce_f32(Reduce op, const float* x, float* out, int64_t outer, int64_t r,
                int64_t inner, int64_t ddof = 0);

/** dx (outer, r, inner) from g and out (outer, inner). max/min split g evenly between
 *  tied maxima (as TensorFlow). */
void reduce_f32_backward(Reduce op, const float* g, const float* x, const float* out,
                         float* dx, int64_t outer, int64_t r, int64_t inner,
                         int64_t ddof = 0);

/** int64 reductions (sum, prod, max, min) for integer inputs. */
void reduce_i64(Reduce op, const int64_t* x, int64_t* out, int64_t outer, int64_t r,
                int64_t inner);

/** any / all over bool (one byte per element) data. */
void reduce_bool(bool any, const uint8_t* x, uint8_t* out, int64_t outer, int64_t r,
                 int64_t inner);

/** Index of the first maximum (or minimum) along r; NaN counts as the extreme. */
void argreduce_f32(bool is_max, const float* x, int64_t* out, int64_t outer, int64_t r,
                   int64_t inner);

/** Cumulative sum (or product) along r, optionally from the end (reverse). */
void cumulative_f32(bool prod, bool reverse, const float* x, float* out, int64_t outer,
                    int64_t r, int64_t inner);

}  // namespace pyfastfit::cpu
