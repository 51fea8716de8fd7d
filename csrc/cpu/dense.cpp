// Fused Dense forward/backward over OpenBLAS GEMMs.
#include "cpu/dense.h"

#include <cstring>

#include "cpu/gemm.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {

PFF_HOT void column_sums(const float* dz, float* db, int64_t B, int64_t OUT) {
  std::memset(db, 0, sizeof(float) * OUT);
  for (int64_t i = 0; i < B; ++i) {
    const float* row = dz + i * OUT;
    for (int64_t j = 0; j < OUT; ++j) db[j] += row[j];
  }
}

void dense_forward(const float* x, const float* W, const float* b, float* z, float* out,
                   int64_t B, int64_t IN, int64_t OUT, Activation act, float alpha) {
  // x is (B, IN), W is (IN, OUT), out is (B, OUT)
  float* pre = z ? z : out;
  float beta = 0.f;
  if (b) {
    for (int64_t i = 0; i < B; ++i) std::memcpy(pre + i * OUT, b, sizeof(float) * OUT);
    beta = 1.f;
  }
  gemm(false, false, B, OUT, IN, 1.f, x, IN, W, OUT, beta, pre, OUT);
  if (act != Activation::linear || pre != out)
    activation_forward(act, pre, out, act == Activation::softmax || act == Activation::log_softmax ? B : 1,
                       act == Activation::softmax || act == Activation::log_softmax ? OUT : B * OUT,
                       alpha);
}

void dense_backward(const float* dout, const float* x, const float* W, const float* z,
                    const float* out, float* dz, float* dx, float* dW, float* db,
                    int64_t B, int64_t IN, int64_t OUT, Activation act, float alpha) {
  const float* g = dout;
  if (act != Activation::linear) {
    bool rows = act == Activation::softmax || act == Activation::log_softmax;
    activation_backward(act, dout, z, out, dz, rows ? B : 1, rows ? OUT : B * OUT, alpha);
    g = dz;
  }
  // dW(IN, OUT) = x^T(IN, B) @ g(B, OUT); dx(B, IN) = g(B, OUT) @ W^T(OUT, IN)
  gemm(true, false, IN, OUT, B, 1.f, x, IN, g, OUT, 0.f, dW, OUT);
  if (db) column_sums(g, db, B, OUT);
  if (dx) gemm(false, true, B, IN, OUT, 1.f, g, OUT, W, OUT, 0.f, dx, IN);
}

}  // namespace pyfastfit::cpu
