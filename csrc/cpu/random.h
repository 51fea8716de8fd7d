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


// --- keras.random draws: every value is a pure function of (seed, counter, index), so
// a draw is the same whatever the thread count and a replayed step draws as the eager one.

/** out[i] = float32(mean + stddev * z_i), z_i standard normal: Box-Muller in float64 on
 *  pairs (2p, 2p + 1) of elements, from random_bits(seed, counter, 2p) and (.., 2p + 1)
 *  (53-bit uniforms); element 2p takes the cosine half, 2p + 1 the sine half. */
void random_normal(float* out, int64_t n, double mean, double stddev, uint64_t seed,
                   uint64_t counter);

/** out[i] = float32(minval + (maxval - minval) * u_i), u_i in [0, 1) from the top 53
 *  bits of random_bits(seed, counter, i); when maxval > minval a value that rounds up to
 *  float32(maxval) becomes the float32 just below it (the interval stays half-open). */
void random_uniform(float* out, int64_t n, double minval, double maxval, uint64_t seed,
                    uint64_t counter);

/** Normal draws with |z| <= 2 only: per element, rounds of Box-Muller pairs (each from
 *  its own index stream) until one value is within two standard deviations. */
void random_truncated_normal(float* out, int64_t n, double mean, double stddev,
                             uint64_t seed, uint64_t counter);

/** out[i] = minval + floor(bits_i * (span_minus_one + 1) / 2^64): an integer in
 *  [minval, minval + span_minus_one] (Lemire's multiply-high; bias < span / 2^64). */
void random_randint(int32_t* out, int64_t n, int64_t minval, uint64_t span_minus_one,
                    uint64_t seed, uint64_t counter);
void random_randint(int64_t* out, int64_t n, int64_t minval, uint64_t span_minus_one,
                    uint64_t seed, uint64_t counter);

}  // namespace pyfastfit::cpu
