// Op layer for random ops (dropout and keras.random draws on the counter-based
// generator).
#pragma once
#include <cstdint>
#include <string>
#include <utility>

#include "core/tensor.h"

namespace pyfastfit {

/** Dropout: returns (x * mask, mask) with mask = keep / (1 - rate), keep drawn from
 * SplitMix64(seed, counter, element index) >= rate. */
std::pair<Tensor, Tensor> dropout_forward(const Tensor& x, float rate, uint64_t seed,
                                          uint64_t counter);

/** x + stddev * N(0, 1) noise drawn from (seed, counter, element index). */
Tensor gaussian_noise_forward(const Tensor& x, float stddev, uint64_t seed, uint64_t counter);

/** The layers' form: `counter` (an int64 scalar tensor, the layer's call count) is
 * incremented in place and the draw uses the new value, so a captured step
 * (pyfastfit.function) draws new masks on every replay. */
std::pair<Tensor, Tensor> dropout_forward_counted(const Tensor& x, float rate, uint64_t seed,
                                                  const Tensor& counter);
Tensor gaussian_noise_forward_counted(const Tensor& x, float stddev, uint64_t seed,
                                      const Tensor& counter);

// --- keras.random draws keyed by a generator state --------------------------------
// `state` is an int64 tensor of shape (2,) holding (seed, counter), a SeedGenerator's
// state. Each draw reads it and, when `advance` is true, adds one to the counter
// atomically (two threads drawing from one generator get distinct counters) and draws
// with the counter as it was: the first draw of SeedGenerator(s) equals the draw with
// the int seed s (state (s, 0), advance false). A step captured by pyfastfit.function
// replays the increment, so every replay draws new values, as the eager calls would.
// Argument checks come first: a refused call leaves the state as it was.

/** Standard normal * stddev + mean, float32. */
Tensor random_normal(const Shape& shape, double mean, double stddev, const Tensor& state,
                     bool advance);
/** Uniform on [minval, maxval), float32. */
Tensor random_uniform(const Shape& shape, double minval, double maxval, const Tensor& state,
                      bool advance);
/** Normal with values beyond two standard deviations re-drawn, float32. */
Tensor random_truncated_normal(const Shape& shape, double mean, double stddev,
                               const Tensor& state, bool advance);
/** Integers in [minval, minval + span_minus_one], dtype "int32" or "int64". */
Tensor random_randint(const Shape& shape, int64_t minval, uint64_t span_minus_one,
                      const std::string& dtype, const Tensor& state, bool advance);
/** dropout_forward with (seed, counter) taken from `state` (always advances). */
std::pair<Tensor, Tensor> dropout_forward_state(const Tensor& x, float rate,
                                                const Tensor& state);
/** SeedGenerator.next(): returns a copy of `state` and advances it: counter + 1 when
 *  `ordered`, else the counter scrambled (Keras's unordered mode). */
Tensor random_state_next(const Tensor& state, bool ordered);

}  // namespace pyfastfit
