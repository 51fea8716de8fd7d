// GEMM through OpenBLAS (single-threaded), split over our own pool when it pays.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** C(M,N) = alpha * op(A)(M,K) @ op(B)(K,N) + beta * C, row-major, any transposes. */
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
          float* C, int64_t ldc);

}  // namespace pyfastfit::cpu
