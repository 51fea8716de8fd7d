// Data-movement kernels: strided gathers/scatters (transpose, slicing, broadcasting,
// flipping, padding), index gathers (take) and their scatter-add adjoints. Element
// types are handled by size (1, 4 or 8 bytes), so every dtype shares one kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace pyfastfit::cpu {

/** dst[i] (C order over `counts`) = src[offset + sum_d idx_d * strides_d]; strides are in
 *  elements and may be 0 (broadcast) or negative (flip). Parallel above ~32K elements. */
void strided_gather(const void* src, void* dst, size_t esize, std::vector<int64_t> counts,
                    std::vector<int64_t> strides, int64_t offset);

/** Adjoint of strided_gather for non-overlapping strides: dst[offset + ...] = src[i]. */
void strided_scatter(const void* src, void* dst, size_t esize, std::vector<int64_t> counts,
                     std::vector<int64_t> strides, int64_t offset);

/** take along the middle axis of (outer, n, inner): dst (outer, m, inner) =
 *  src[:, idx[j], :]; idx already wrapped into [0, n). */
void take(const void* src, void* dst, size_t esize, int64_t outer, int64_t n, int64_t inner,
          const int64_t* idx, int64_t m);

/** Adjoint of take for float32: dst (outer, n, inner) += src (outer, m, inner) at idx. */
void take_backward(const float* src, float* dst, int64_t outer, int64_t n, int64_t inner,
                   const int64_t* idx, int64_t m);

/** take_along_axis on (outer, n, inner) with idx (outer, m, inner) wrapped into [0, n). */
void take_along(const void* src, void* dst, size_t esize, int64_t outer, int64_t n,
                int64_t inner, const int64_t* idx, int64_t m);

/** Adjoint of take_along for float32 (scatter-add). */
void take_along_backward(const float* src, float* dst, int64_t outer, int64_t n,
                         int64_t inner, const int64_t* idx, int64_t m);

/** Concatenation along the middle axis: part k is (outer, widths[k]) rows of bytes. */
void concat_rows(const std::vector<const void*>& srcs, const std::vector<int64_t>& widths,
                 void* dst, int64_t outer);

/** Converts n elements between dtypes given by code (0 float32, 1 int32, 2 int64,
 *  3 uint8, 4 bool); float -> int truncates toward zero, anything -> bool is x != 0. */
void cast(const void* src, int src_code, void* dst, int dst_code, int64_t n);

/** Fills n elements of size esize with the bytes at `value`. */
void fill(void* dst, size_t esize, int64_t n, const void* value);

/** Stable argsort of each of `rows` rows of n floats into idx (ascending: NaN last, as
 *  NumPy; descending: NaN first). */
void argsort_rows(const float* x, int64_t rows, int64_t n, bool descending, int64_t* idx);

/** For each row, the indices of the k largest values (ties: lower index first), in
 *  descending value order when `sorted`, else in index order. */
void top_k_rows(const float* x, int64_t rows, int64_t n, int64_t k, bool sorted,
                int64_t* idx);

}  // namespace pyfastfit::cpu
