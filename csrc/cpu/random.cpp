// Dropout kernel on the counter-based generator of random.h.
#include "cpu/random.h"

#include <cmath>

#include "core/threads.h"

namespace pyfastfit::cpu {

namespace {
// random_uniform01 for consecutive indices, written so the compiler vectorises it
// (64-bit multiplies: AVX-512 has them natively, hence the extra x86-64-v4 clone);
// the values are bit-identical to random.h's.
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void dropout_range(const float* x, float* out, float* mask, int64_t begin, int64_t end,
                   float rate, float scale, uint64_t seed, uint64_t counter) {
  const uint64_t base = seed * 0x9E3779B97F4A7C15ULL + counter * 0xD1B54A32D192ED03ULL +
                        0x632BE59BD9B4E5EBULL;
  for (int64_t i = begin; i < end; ++i) {
    uint64_t z = base + static_cast<uint64_t>(i);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    // The top 24 bits fit an int32 exactly, and int32 -> float vectorises everywhere.
    float u = static_cast<float>(static_cast<int32_t>(z >> 40)) * (1.0f / 16777216.0f);
    float m = u >= rate ? scale : 0.f;
    mask[i] = m;
    out[i] = x[i] * m;
  }
}
}  // namespace

void dropout_forward_range(const float* x, float* out, float* mask, int64_t begin,
                           int64_t end, float rate, uint64_t seed, uint64_t counter) {
  const float scale = rate < 1.f ? 1.f / (1.f - rate) : 0.f;
  dropout_range(x, out, mask, begin, end, rate, scale, seed, counter);
}

void dropout_forward(const float* x, float* out, float* mask, int64_t n, float rate,
                     uint64_t seed, uint64_t counter) {
  const float scale = rate < 1.f ? 1.f / (1.f - rate) : 0.f;
  parallel_for(n, 1 << 15, [&](int64_t begin, int64_t end) {
    dropout_range(x, out, mask, begin, end, rate, scale, seed, counter);
  });
}

void gaussian_noise_range(const float* x, float* out, int64_t begin, int64_t end,
                          float stddev, uint64_t seed, uint64_t counter) {
  const float two_pi = 6.28318530717958647692f, inv24 = 1.0f / 16777216.0f;
  for (int64_t i = begin; i < end; ++i) {
    uint64_t z = random_bits(seed, counter, static_cast<uint64_t>(i));
    float u1 = static_cast<float>((z >> 40) + 1) * inv24;  // (0, 1]: log(u1) is finite
    float u2 = static_cast<float>((z >> 16) & 0xFFFFFF) * inv24;
    float normal = std::sqrt(-2.f * std::log(u1)) * std::cos(two_pi * u2);
    out[i] = x[i] + stddev * normal;
  }
}

void gaussian_noise(const float* x, float* out, int64_t n, float stddev, uint64_t seed,
                    uint64_t counter) {
  parallel_for(n, 1 << 14, [&](int64_t begin, int64_t end) {
    gaussian_noise_range(x, out, begin, end, stddev, seed, counter);
  });
}

}  // namespace pyfastfit::cpu
