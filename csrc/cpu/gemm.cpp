// GEMM: OpenBLAS does the arithmetic on one thread per call; large products are split
// into row (or column) blocks, one per pool thread, so OpenBLAS's own pool never runs.
#include "cpu/gemm.h"

#include <cblas.h>

#include "core/threads.h"

namespace pyfastfit::cpu {
namespace {

// Below this many multiply-adds a split costs more (thread wake-up ~2-5 us) than it saves.
constexpr int64_t kSplitMacs = 1 << 19;

void blas(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
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
  if (nt <= 1 || M * N * K < kSplitMacs) {
    blas(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (M >= N) {
    // Row blocks of C: rows of op(A) are rows of A, or columns when A is transposed.
    parallel_for(M, 16, [&](int64_t b, int64_t e) {
      const float* a = ta ? A + b : A + b * lda;
      blas(ta, tb, e - b, N, K, alpha, a, lda, B, ldb, beta, C + b * ldc, ldc);
    });
  } else {
    parallel_for(N, 16, [&](int64_t b, int64_t e) {
      const float* bb = tb ? B + b * ldb : B + b;
      blas(ta, tb, M, e - b, K, alpha, A, lda, bb, ldb, beta, C + b, ldc);
    });
  }
}

}  // namespace pyfastfit::cpu
