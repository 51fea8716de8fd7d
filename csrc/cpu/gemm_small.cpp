// GEMMs with one row (M = 1: a vector times a matrix) or a contraction of one (K = 1:
// an outer product): a training step at batch 1 is made of these. OpenBLAS runs them
// through its packed GEMM (copy both operands into panels, clear C, then the kernel):
// for W1's 1x784 @ 784x64 and its 784x1 @ 1x64 weight gradient that bookkeeping was
// most of the step's GEMM time. Here they are one pass over the matrix each.
#include <cstring>

#include "cpu/gemm.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {
namespace {

constexpr int64_t kL = 8;  // floats per vector
typedef float v8 __attribute__((vector_size(32)));
#define PFF_SPLAT(s) (v8{(s), (s), (s), (s), (s), (s), (s), (s)})

inline v8 load(const float* p) {
  v8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, const v8& v) { std::memcpy(p, &v, sizeof v); }

/** c[j] = beta * c[j] (beta == 0: c is written, whatever it held, as BLAS does). */
inline void scale_row(float* c, int64_t n, float beta) {
  if (beta == 1.f) return;
  if (beta == 0.f) {
    std::memset(c, 0, sizeof(float) * n);
    return;
  }
  for (int64_t j = 0; j < n; ++j) c[j] *= beta;
}

}  // namespace

// c(1, N) = beta * c + alpha * a(1, K) @ B(K, N), a with stride inc_a.
PFF_HOT void gemv_rows(int64_t N, int64_t K, float alpha, const float* a, int64_t inc_a,
                       const float* B, int64_t ldb, float beta, float* c) {
  scale_row(c, N, beta);
  int64_t j = 0;
  // 32 columns at a time in four registers, two rows of B per round (independent FMA
  // chains), so B is read once, a line at a time.
  for (; j + 4 * kL <= N; j += 4 * kL) {
    v8 c0 = load(c + j), c1 = load(c + j + kL), c2 = load(c + j + 2 * kL),
       c3 = load(c + j + 3 * kL);
    for (int64_t k = 0; k < K; ++k) {
      const float s = alpha * a[k * inc_a];
      const float* b = B + k * ldb + j;
      const v8 sv = PFF_SPLAT(s);
      c0 += sv * load(b);
      c1 += sv * load(b + kL);
      c2 += sv * load(b + 2 * kL);
      c3 += sv * load(b + 3 * kL);
    }
    store(c + j, c0);
    store(c + j + kL, c1);
    store(c + j + 2 * kL, c2);
    store(c + j + 3 * kL, c3);
  }
  for (; j + kL <= N; j += kL) {
    v8 c0 = load(c + j);
    for (int64_t k = 0; k < K; ++k) {
      const float s = alpha * a[k * inc_a];
      c0 += PFF_SPLAT(s) * load(B + k * ldb + j);
    }
    store(c + j, c0);
  }
  for (; j < N; ++j) {
    float s = c[j];
    for (int64_t k = 0; k < K; ++k) s += alpha * a[k * inc_a] * B[k * ldb + j];
    c[j] = s;
  }
}

// c(1, N) = beta * c + alpha * a(1, K) @ B(N, K)^T: one dot product per column.
PFF_HOT void gemv_dots(int64_t N, int64_t K, float alpha, const float* a, int64_t inc_a,
                       const float* B, int64_t ldb, float beta, float* c) {
  for (int64_t j = 0; j < N; ++j) {
    const float* b = B + j * ldb;
    float s = 0.f;
    int64_t k = 0;
    if (inc_a == 1 && K >= 2 * kL) {
      v8 s0 = PFF_SPLAT(0.f), s1 = PFF_SPLAT(0.f);
      for (; k + 2 * kL <= K; k += 2 * kL) {
        s0 += load(a + k) * load(b + k);
        s1 += load(a + k + kL) * load(b + k + kL);
      }
      s0 += s1;
      for (int l = 0; l < kL; ++l) s += s0[l];  // a fixed order: the same on every clone
    }
    for (; k < K; ++k) s += a[k * inc_a] * b[k];
    c[j] = beta == 0.f ? alpha * s : alpha * s + beta * c[j];
  }
}

// C(M, N) = beta * C + alpha * a(M) b(N)^T, a and b with strides inc_a, inc_b.
PFF_HOT void outer(int64_t M, int64_t N, float alpha, const float* a, int64_t inc_a,
                   const float* b, int64_t inc_b, float beta, float* C, int64_t ldc) {
  for (int64_t i = 0; i < M; ++i) {
    float* c = C + i * ldc;
    const float s = alpha * a[i * inc_a];
    if (inc_b == 1 && beta == 0.f) {
      for (int64_t j = 0; j < N; ++j) c[j] = s * b[j];
    } else if (beta == 0.f) {
      for (int64_t j = 0; j < N; ++j) c[j] = s * b[j * inc_b];
    } else {
      for (int64_t j = 0; j < N; ++j) c[j] = s * b[j * inc_b] + beta * c[j];
    }
  }
}

}  // namespace pyfastfit::cpu
