// Fused Dense forward/backward over OpenBLAS GEMMs.
#include "cpu/dense.h"

#include <cstring>

#include "cpu/gemm.h"
#include "cpu/simd.h"

namespace pyfastfit::cpu {

namespace {

// Rows of a few columns (a conv's 3 output channels, a Dense(1) head) summed or biased
// one row at a time are short scalar loops whose every add waits for the previous one
// (W4's 28,800 x 3 bias gradient took 13% of its step). Walked instead as one flat array
// in blocks of `period` floats (a multiple of both the row width and 32 floats), each
// float of the block has its own running sum: the loop vectorises and the sums are
// independent chains.
constexpr int64_t kMaxPeriod = 1024;

int64_t row_period(int64_t cols) {
  int64_t p = cols;
  while (p % 32) p += cols;
  return p;
}

}  // namespace

PFF_HOT void column_sums(const float* __restrict dz, float* __restrict db, int64_t B,
                         int64_t OUT) {
  std::memset(db, 0, sizeof(float) * OUT);
  const int64_t period = OUT > 0 ? row_period(OUT) : 0;
  int64_t i = 0;
  if (OUT > 0 && period <= kMaxPeriod && B * OUT >= 2 * period) {
    alignas(64) float acc[kMaxPeriod];
    std::memset(acc, 0, sizeof(float) * period);
    const int64_t n = B * OUT / period * period;
    for (int64_t k = 0; k < n; k += period)
      for (int64_t t = 0; t < period; ++t) acc[t] += dz[k + t];
    for (int64_t t = 0; t < period; ++t) db[t % OUT] += acc[t];
    i = n / OUT;
  }
  for (; i < B; ++i) {
    const float* row = dz + i * OUT;
    for (int64_t j = 0; j < OUT; ++j) db[j] += row[j];
  }
}

PFF_HOT void add_row_vector(float* __restrict z, const float* __restrict v, int64_t rows,
                            int64_t cols) {
  const int64_t period = cols > 0 ? row_period(cols) : 0;
  int64_t r = 0;
  if (cols > 0 && cols < 32 && period <= kMaxPeriod && rows * cols >= 2 * period) {
    alignas(64) float rep[kMaxPeriod];
    for (int64_t t = 0; t < period; ++t) rep[t] = v[t % cols];
    const int64_t n = rows * cols / period * period;
    for (int64_t k = 0; k < n; k += period)
      for (int64_t t = 0; t < period; ++t) z[k + t] += rep[t];
    r = n / cols;
  }
  for (; r < rows; ++r) {
    float* zr = z + r * cols;
    for (int64_t j = 0; j < cols; ++j) zr[j] += v[j];
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
