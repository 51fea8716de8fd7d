// GEMM: OpenBLAS does the arithmetic on one thread per call; large products are split
// into row (or column) blocks, one per pool thread, so OpenBLAS's own pool never runs.
//
// Tuning (2-core AVX2 EPYC VM shared with other jobs; per-call time, best / median of
// 2 ms samples, 6 interleaved runs): with the caller-runs pool (core/threads.h) a split
// pays from 2^17 multiply-adds (32x64x64: 2.9 / 3.7 -> 2.3 / 2.7 us; 48x64x64:
// 4.1 / 4.5 -> 2.9 / 3.3 us; 64x784x10: 15.1 / 16.8 -> 8.7 / 9.4 us; 64x784x64:
// 66.7 / 76.5 -> 40.4 / 44.2 us); at 2^16 it is a wash (32x32x64: 1.8 / 2.2 -> 1.7 / 2.3).
// With another process burning a core the caller runs the chunks no worker claimed, so a
// split costs about a serial call (medians 64x64x64: 6.0 vs 5.4 us, 64x784x64: 75 vs
// 70 us); the old OpenMP fork-join waited for a descheduled worker there (64x128x64:
// 8 ms median), which is why the threshold used to be 2^19. Split the larger of M and N,
// columns on ties (64x784x64: 166 GFLOP/s by columns vs 140 by rows; dW 784x64 via A^T:
// 180 by rows vs 145 by columns), at multiples of 16.
#include "cpu/gemm.h"

#include <cblas.h>

#include <algorithm>

#include "core/threads.h"

namespace pyfastfit::cpu {
namespace {

void blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  // A rank-1 update or a single row: one pass of our own (gemm_small.cpp), not OpenBLAS's
  // pack-clear-kernel sequence (W1's step at batch 1: 1x784 @ 784x64 and its 784x1 @ 1x64
  // weight gradient).
  if (K == 1) return outer(M, N, alpha, A, ta ? 1 : lda, B, tb ? ldb : 1, beta, C, ldc);
  if (M == 1) {
    if (tb) return gemv_dots(N, K, alpha, A, ta ? lda : 1, B, ldb, beta, C);
    return gemv_rows(N, K, alpha, A, ta ? lda : 1, B, ldb, beta, C);
  }
  scipy_cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                    tb ? CblasTrans : CblasNoTrans, static_cast<blasint>(M),
                    static_cast<blasint>(N), static_cast<blasint>(K), alpha, A,
                    static_cast<blasint>(lda), B, static_cast<blasint>(ldb), beta, C,
                    static_cast<blasint>(ldc));
}

}  // namespace

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  int nt = get_num_threads();
  if (nt <= 1 || M * N * K < kGemmSplitMacs || std::max(M, N) < 2 * kGemmAlign) {
    blas(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (M > N) {
    // Row blocks of C: rows of op(A) are rows of A, or columns when A is transposed.
    gemm_blocks(M, [&](int64_t b, int64_t e) {
      const float* a = ta ? A + b : A + b * lda;
      blas(ta, tb, e - b, N, K, alpha, a, lda, B, ldb, beta, C + b * ldc, ldc);
    });
  } else {
    gemm_blocks(N, [&](int64_t b, int64_t e) {
      const float* bb = tb ? B + b * ldb : B + b;
      blas(ta, tb, M, e - b, K, alpha, A, lda, bb, ldb, beta, C + b, ldc);
    });
  }
}

}  // namespace pyfastfit::cpu
