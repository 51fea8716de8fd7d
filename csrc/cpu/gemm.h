// GEMM through OpenBLAS (single-threaded), split over our own pool when it pays.
#pragma once
#include <algorithm>
#include <cstdint>

#include "core/threads.h"

namespace pyfastfit::cpu {

// Products of at least this many multiply-adds are split over the pool (tuning notes in
// gemm.cpp).
constexpr int64_t kGemmSplitMacs = 1 << 17;
// Block edges at multiples of the micro-kernel width keep every block on full tiles.
constexpr int64_t kGemmAlign = 16;

/** Calls f(begin, end) for one block of [0, n) per pool thread, with inner edges at
 *  multiples of kGemmAlign: the blocks gemm splits a dimension of size n into. */
template <typename F>
void gemm_blocks(int64_t n, F&& f) {
  int64_t tiles = (n + kGemmAlign - 1) / kGemmAlign;
  int64_t p = std::min<int64_t>(get_num_threads(), tiles);
  parallel_for(p, 1, [&](int64_t cb, int64_t ce) {
    for (int64_t c = cb; c < ce; ++c) {
      int64_t b = std::min(n, tiles * c / p * kGemmAlign);
      int64_t e = c + 1 == p ? n : std::min(n, tiles * (c + 1) / p * kGemmAlign);
      if (b < e) f(b, e);
    }
  });
}

// One-row and rank-1 products (gemm_small.cpp), which gemm runs itself rather than
// through OpenBLAS's packed path. a and b are vectors with element strides inc_a, inc_b.
/** c(1,N) = beta * c + alpha * a(1,K) @ B(K,N). */
void gemv_rows(int64_t N, int64_t K, float alpha, const float* a, int64_t inc_a,
               const float* B, int64_t ldb, float beta, float* c);
/** c(1,N) = beta * c + alpha * a(1,K) @ B(N,K)^T. */
void gemv_dots(int64_t N, int64_t K, float alpha, const float* a, int64_t inc_a,
               const float* B, int64_t ldb, float beta, float* c);
/** C(M,N) = beta * C + alpha * a(M,1) @ b(1,N). */
void outer(int64_t M, int64_t N, float alpha, const float* a, int64_t inc_a, const float* b,
           int64_t inc_b, float beta, float* C, int64_t ldc);

/** Whether gemm computes mid-size products as pieces for OpenBLAS's small-matrix kernels
 *  (its AVX-512 kernel sets; gemm.cpp): A @ B with at most kGemmSmallPiecesMaxRows rows
 *  of C (more: one packed call). */
bool gemm_has_small_pieces();
constexpr int64_t kGemmSmallPiecesMaxRows = 256;

/** C(M,N) = alpha * op(A)(M,K) @ op(B)(K,N) + beta * C, row-major, any transposes. */
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
          const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
          float* C, int64_t ldc);

}  // namespace pyfastfit::cpu
