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
#include <string>

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

// OpenBLAS's AVX-512 kernel sets (SkylakeX and later) compute a product of at most
// 100^3 multiply-adds with "small matrix" kernels that read A and B in place; larger
// ones go through the packed path (copy both operands into panels, then the kernel).
// At small models' layer sizes the packed path is much slower per multiply-add (one
// thread, row-major, us: 32x784 @ 784x38 25.8 but x40 37.2; 64x784 @ 784x64 72.8 as one
// call, 58.3 as four 16-row pieces), so such products are computed as pieces that each
// take the small path. Two threads, packed -> pieces, us: A @ B 64x784x64 42 -> 30,
// 32x784x512 173 -> 118, 128x784x512 559 -> 524, 256x384x384 382 -> 360, but 512x784x64
// 269 -> 275 (many rows share one packed B); A^T @ B (weight gradients) 784x64x64
// (K = 64) 44 -> 32, 384x32x384 101 -> 62, 784x256x256 513 -> 463. Other kernel sets
// (Haswell, Zen: AVX2) have no small path.
constexpr int64_t kSmallMacs = 1000000;
constexpr int64_t kSmallPiecesMax = 64 * kSmallMacs;

/** Computes C (M x N) as pieces of at most kSmallMacs multiply-adds, over the pool; false
 *  (nothing done) where that does not apply. Columns are split first down to 64 wide
 *  (wide B: 32x784 @ 784x512), then rows; the piece count is a multiple of the threads,
 *  and a thread's pieces are consecutive column blocks. */
bool gemm_small_pieces(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha,
                       const float* A, int64_t lda, const float* B, int64_t ldb, float beta,
                       float* C, int64_t ldc) {
  const int64_t macs = M * N * K;
  // A @ B^T (row-major) maps to OpenBLAS's column-major TN, whose small kernel it takes
  // only for tiny C; A^T @ B^T is rare.
  if (tb || macs <= kSmallMacs || macs > kSmallPiecesMax ||
      (!ta && M > kGemmSmallPiecesMaxRows) || !gemm_has_small_pieces())
    return false;
  const int64_t nt = get_num_threads();
  int64_t cb = 1;
  // A @ B: a thread reading all of B (each piece reads its columns of B in place) leaves
  // every line of B in both cores' caches, and the optimizer's update of B (a kernel)
  // then waits on the other core for each line it writes (W6's RMSprop after a
  // 64x784x64 forward in four row pieces: 16 -> 31 us). So columns are split until each
  // thread has its own (down to 32 wide), and the pieces go to the threads by columns.
  while (M * ((N + cb - 1) / cb) * K > kSmallMacs && N % (2 * cb * kGemmAlign) == 0 &&
         (N / (2 * cb) >= 64 || (!ta && cb < nt && N / (2 * cb) >= 32)))
    cb *= 2;
  const int64_t nc = N / cb;
  int64_t rb = std::min(M, (M * nc * K + kSmallMacs - 1) / kSmallMacs);
  while ((rb * cb) % nt != 0 && rb < M) ++rb;
  if ((M + rb - 1) / rb * nc * K > kSmallMacs) return false;  // a long K: no small pieces
  parallel_for(rb * cb, 1, [&](int64_t pb, int64_t pe) {
    for (int64_t q = pb; q < pe; ++q) {
      const int64_t c = q / rb, r = q % rb;
      const int64_t m0 = M * r / rb, m1 = M * (r + 1) / rb;
      const int64_t n0 = c * nc, n1 = c + 1 == cb ? N : n0 + nc;
      const float* a = ta ? A + m0 : A + m0 * lda;
      blas(ta, tb, m1 - m0, n1 - n0, K, alpha, a, lda, B + n0, ldb, beta, C + m0 * ldc + n0,
           ldc);
    }
  });
  return true;
}

}  // namespace

bool gemm_has_small_pieces() {
  static const bool has = [] {
    const char* core = scipy_openblas_get_corename();
    const std::string name = core ? core : "";
    return name == "SkylakeX" || name == "Cooperlake" || name == "SapphireRapids";
  }();
  return has;
}

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
          int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.f ? 0.f : beta * C[i * ldc + j];
    return;
  }
  if (gemm_small_pieces(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)) return;
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
