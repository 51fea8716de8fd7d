// Branch-free float32 math that GCC auto-vectorises inside PFF_HOT loops (std::exp and
// std::log are scalar library calls). Accuracy: within 2 ulp of the exact result over
// the whole float range; NaN, +-inf, overflow and underflow behave as std::exp/std::log.
#pragma once
#include <cstdint>
#include <cstring>
#include <limits>

namespace pyfastfit::cpu {

/** 2^n for integer n in [-126, 127], built from the exponent bits. */
inline __attribute__((always_inline)) float pow2i_f32(int32_t n) {
  int32_t bits = (n + 127) << 23;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/** exp(x), Cephes-style: x = n ln2 + r, exp(r) by a degree-6 polynomial. */
inline __attribute__((always_inline)) float exp_f32(float x) {
  const float hi = 88.72283935546875f, lo = -103.97208404541016f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  xc = x == x ? xc : 0.f;
  float n = __builtin_nearbyintf(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.f;
  // Scale in two halves so that n in [-150, 128] never overflows the exponent field.
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;
  float res = p * pow2i_f32(n1) * pow2i_f32(ni - n1);
  res = x > hi ? std::numeric_limits<float>::infinity() : res;
  res = x < lo ? 0.f : res;
  return x == x ? res : x;
}

/** log(x), Cephes-style: x = m 2^e with m in [sqrt(1/2), sqrt(2)), log(m) by a
 *  degree-9 polynomial. Denormals are rescaled; x < 0 -> NaN, 0 -> -inf, inf -> inf. */
inline __attribute__((always_inline)) float log_f32(float x) {
  const float kMinNormal = 1.17549435e-38f;
  bool denorm = x < kMinNormal;
  float xs = denorm ? x * 8388608.f : x;  // 2^23
  int32_t bits;
  std::memcpy(&bits, &xs, sizeof bits);
  int32_t ei = ((bits >> 23) & 0xff) - 126;
  int32_t mbits = (bits & 0x007fffff) | 0x3f000000;
  float m;
  std::memcpy(&m, &mbits, sizeof m);  // m in [0.5, 1)
  float e = static_cast<float>(ei) - (denorm ? 23.f : 0.f);
  bool small = m < 0.707106781186547524f;
  e = small ? e - 1.f : e;
  m = small ? m + m - 1.f : m - 1.f;
  float z = m * m;
  float y = 7.0376836292E-2f;
  y = y * m - 1.1514610310E-1f;
  y = y * m + 1.1676998740E-1f;
  y = y * m - 1.2420140846E-1f;
  y = y * m + 1.4249322787E-1f;
  y = y * m - 1.6668057665E-1f;
  y = y * m + 2.0000714765E-1f;
  y = y * m - 2.4999993993E-1f;
  y = y * m + 3.3333331174E-1f;
  y = y * m * z;
  y += -2.12194440e-4f * e;
  y += -0.5f * z;
  float r = m + y;
  r += 0.693359375f * e;
  const float inf = std::numeric_limits<float>::infinity();
  r = x == inf ? inf : r;
  r = x == 0.f ? -inf : r;
  r = x < 0.f ? std::numeric_limits<float>::quiet_NaN() : r;
  return x == x ? r : x;
}

/** tanh(x), Cephes-style: an odd polynomial for |x| < 0.625, else
 *  1 - 2 / (exp(2|x|) + 1) with the sign of x. */
inline __attribute__((always_inline)) float tanh_f32(float x) {
  float ax = x < 0.f ? -x : x;
  float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  float small = p * z * x + x;
  float big = 1.f - 2.f / (exp_f32(2.f * ax) + 1.f);
  big = x < 0.f ? -big : big;
  float r = ax < 0.625f ? small : big;
  return (x == x && x != 0.f) ? r : x;  // NaN and +-0 pass through
}

/** Sum of n floats with 32 independent partial sums (vectorises; more accurate than one
 *  serial float sum), combined in double. */
inline __attribute__((always_inline)) float sum_f32(const float* x, int64_t n) {
  float acc[32] = {0.f};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int j = 0; j < 32; ++j) acc[j] += x[i + j];
  double s = 0.0;
  // Short rows (a softmax over 10 classes) skip folding 32 zero lanes: same sum.
  if (n >= 32)
    for (int j = 0; j < 32; ++j) s += acc[j];
  for (; i < n; ++i) s += x[i];
  return static_cast<float>(s);
}

/** max(x[0..n)) skipping NaN as std::max(m, x) does (-inf for n == 0 or all NaN), in 16
 *  lanes: GCC does not vectorise a float max reduction by itself (without -ffast-math). */
inline __attribute__((always_inline)) float max_f32(const float* x, int64_t n) {
  float m = -std::numeric_limits<float>::infinity();
  int64_t i = 0;
  if (n >= 16) {
    float acc[16];
    for (int j = 0; j < 16; ++j) acc[j] = m;
    for (; i + 16 <= n; i += 16)
      for (int j = 0; j < 16; ++j) acc[j] = acc[j] < x[i + j] ? x[i + j] : acc[j];
    for (int j = 0; j < 16; ++j) m = m < acc[j] ? acc[j] : m;
  }
  for (; i < n; ++i) m = m < x[i] ? x[i] : m;
  return m;
}

/** sum(a[i] * b[i]) in float, 16 lanes for long rows (short ones in order). */
inline __attribute__((always_inline)) float dot_f32(const float* a, const float* b, int64_t n) {
  float s = 0.f;
  int64_t i = 0;
  if (n >= 32) {
    float acc[16] = {0.f};
    for (; i + 16 <= n; i += 16)
      for (int j = 0; j < 16; ++j) acc[j] += a[i + j] * b[i + j];
    for (int j = 0; j < 16; ++j) s += acc[j];
  }
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

}  // namespace pyfastfit::cpu
