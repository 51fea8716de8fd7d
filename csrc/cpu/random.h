// Counter-based random numbers (SplitMix64 hash of seed, counter and element index), so
// the eager path and the fast-path programs draw the exact same dropout masks.
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** SplitMix64 finaliser of (seed, counter, index): a uniform 64-bit value. */
inline uint64_t random_bits(uint64_t seed, uint64_t counter, uint64_t index) {
  uint64_t z = seed * 0x9E3779B97F4A7C15ULL + counter * 0xD1B54A32D192ED03ULL + index +
               0x632BE59BD9B4E5EBULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/** Uniform float in [0, 1) from the top 24 bits of random_bits. */
inline float random_uniform01(uint64_t seed, uint64_t counter, uint64_t index) {
  return static_cast<float>(random_bits(seed, counter, index) >> 40) * (1.0f / 16777216.0f);
}

/** dropout_forward for elements [begin, end) only, on the calling thread (the arrays
 *  are the whole buffers; mask indices stay the elements' places in them). */
void dropout_forward_range(const float* x, float* out, float* mask, int64_t begin,
                           int64_t end, float rate, uint64_t seed, uint64_t counter);

/** mask[i] = (u_i >= rate) / (1 - rate); out[i] = x[i] * mask[i]; n elements. */
void dropout_forward(const float* x, float* out, float* mask, int64_t n, float rate,
                     uint64_t seed, uint64_t counter);

/** out[i] = x[i] + stddev * z_i for elements [begin, end) on the calling thread, with
 *  z_i a standard normal from random_bits(seed, counter, i) (Box-Muller on its two
 *  24-bit halves), so the eager GaussianNoise layer and a Program add the same noise. */
void gaussian_noise_range(const float* x, float* out, int64_t begin, int64_t end,
                          float stddev, uint64_t seed, uint64_t counter);

/** gaussian_noise_range over all n elements, split over the thread pool. */
void gaussian_noise(const float* x, float* out, int64_t n, float stddev, uint64_t seed,
                    uint64_t counter);

}  // namespace pyfastfit::cpu
