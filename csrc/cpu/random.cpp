// Dropout, Gaussian-noise and keras.random kernels on the counter-based generator of
// random.h.
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

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr double kInv2Pow53 = 1.0 / 9007199254740992.0;
// Index offset between the streams of one draw (truncated_normal's rounds): streams
// never overlap for draws of fewer than 2^40 elements.
constexpr uint64_t kStream = uint64_t{1} << 40;
// truncated_normal: rounds of two candidates each; all 32 candidates outside [-2, 2]
// has probability 0.0455^32 < 1e-42, and then the element takes the mean.
constexpr int kTruncatedRounds = 16;

/** [0, 1) and (0, 1] from the top 53 bits: float64 resolution. */
inline double unit_closed_open(uint64_t bits) {
  return static_cast<double>(bits >> 11) * kInv2Pow53;
}
inline double unit_open_closed(uint64_t bits) {
  return static_cast<double>((bits >> 11) + 1) * kInv2Pow53;
}

/** Two independent standard normals from two 64-bit draws (Box-Muller, float64). */
inline void box_muller(uint64_t a, uint64_t b, double* c, double* s) {
  double r = std::sqrt(-2.0 * std::log(unit_open_closed(a)));
  double t = kTwoPi * unit_closed_open(b);
  *c = r * std::cos(t);
  *s = r * std::sin(t);
}

inline void normal_pair(uint64_t seed, uint64_t counter, int64_t first, double* c,
                        double* s) {
  box_muller(random_bits(seed, counter, static_cast<uint64_t>(first)),
             random_bits(seed, counter, static_cast<uint64_t>(first) + 1), c, s);
}

// About 50 ns an element (a log and a sincos per pair): worth a thread from ~8k on.
constexpr int64_t kTranscendentalGrain = 1 << 13;

template <class T>
void randint_impl(T* out, int64_t n, int64_t minval, uint64_t span_minus_one,
                  uint64_t seed, uint64_t counter) {
  const uint64_t lo = static_cast<uint64_t>(minval);
  const bool full = span_minus_one == ~uint64_t{0};  // every 64-bit value
  const unsigned __int128 span = static_cast<unsigned __int128>(span_minus_one) + 1;
  parallel_for(n, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      uint64_t z = random_bits(seed, counter, static_cast<uint64_t>(i));
      uint64_t offset =
          full ? z : static_cast<uint64_t>((static_cast<unsigned __int128>(z) * span) >> 64);
      // In range by construction, so the two's-complement wrap is the exact value.
      out[i] = static_cast<T>(static_cast<int64_t>(lo + offset));
    }
  });
}

}  // namespace

void random_normal(float* out, int64_t n, double mean, double stddev, uint64_t seed,
                   uint64_t counter) {
  parallel_for(n, kTranscendentalGrain, [&](int64_t begin, int64_t end) {
    double c, s;
    int64_t i = begin;
    if (i & 1) {  // a chunk starting mid-pair: the sine half of pair (i - 1, i)
      normal_pair(seed, counter, i - 1, &c, &s);
      out[i++] = static_cast<float>(mean + stddev * s);
    }
    for (; i + 1 < end; i += 2) {
      normal_pair(seed, counter, i, &c, &s);
      out[i] = static_cast<float>(mean + stddev * c);
      out[i + 1] = static_cast<float>(mean + stddev * s);
    }
    if (i < end) {
      normal_pair(seed, counter, i, &c, &s);
      out[i] = static_cast<float>(mean + stddev * c);
    }
  });
}

void random_uniform(float* out, int64_t n, double minval, double maxval, uint64_t seed,
                    uint64_t counter) {
  const double width = maxval - minval;
  const float lo = static_cast<float>(minval), hi = static_cast<float>(maxval);
  // Rounding to float32 can land on maxval: clamp to the float32 below it (as NumPy's
  // nextafter) whenever the interval is not empty.
  const float top = maxval > minval ? std::nextafter(hi, lo) : hi;
  const bool clamp = maxval > minval;
  parallel_for(n, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double u = unit_closed_open(random_bits(seed, counter, static_cast<uint64_t>(i)));
      float v = static_cast<float>(minval + width * u);
      out[i] = clamp && v > top ? top : v;
    }
  });
}

void random_truncated_normal(float* out, int64_t n, double mean, double stddev,
                             uint64_t seed, uint64_t counter) {
  parallel_for(n, kTranscendentalGrain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      double z = 0.0, c, s;
      for (int r = 0; r < kTruncatedRounds; ++r) {
        uint64_t index = static_cast<uint64_t>(i) + 2 * static_cast<uint64_t>(r) * kStream;
        box_muller(random_bits(seed, counter, index),
                   random_bits(seed, counter, index + kStream), &c, &s);
        if (std::fabs(c) <= 2.0) {
          z = c;
          break;
        }
        if (std::fabs(s) <= 2.0) {
          z = s;
          break;
        }
      }
      out[i] = static_cast<float>(mean + stddev * z);
    }
  });
}

void random_randint(int32_t* out, int64_t n, int64_t minval, uint64_t span_minus_one,
                    uint64_t seed, uint64_t counter) {
  randint_impl(out, n, minval, span_minus_one, seed, counter);
}

void random_randint(int64_t* out, int64_t n, int64_t minval, uint64_t span_minus_one,
                    uint64_t seed, uint64_t counter) {
  randint_impl(out, n, minval, span_minus_one, seed, counter);
}

}  // namespace pyfastfit::cpu
