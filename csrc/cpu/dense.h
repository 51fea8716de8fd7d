// Fused Dense layer kernels: GEMM + bias + activation forward, and the matching
// backward producing dX, dW and db in one call.
#pragma once
#include <cstdint>

#include "cpu/activation.h"

namespace pyfastfit::cpu {

/** out = act(x @ W + b); x is (B, IN), W is (IN, OUT), b is (OUT,) or null, out is
 *  (B, OUT). When z is non-null the pre-activation is kept there for the backward. */
void dense_forward(const float* x, const float* W, const float* b, float* z, float* out,
                   int64_t B, int64_t IN, int64_t OUT, Activation act, float alpha);

/** Backward of dense_forward. dz is (B, OUT) scratch (may alias dout when the caller
 *  no longer needs dout); dx (B, IN) and db (OUT,) may be null to skip them. */
void dense_backward(const float* dout, const float* x, const float* W, const float* z,
                    const float* out, float* dz, float* dx, float* dW, float* db,
                    int64_t B, int64_t IN, int64_t OUT, Activation act, float alpha);

/** db(OUT) = column sums of dz(B, OUT). */
void column_sums(const float* dz, float* db, int64_t B, int64_t OUT);

/** z(rows, cols) += v(cols) on every row. */
void add_row_vector(float* z, const float* v, int64_t rows, int64_t cols);

}  // namespace pyfastfit::cpu
