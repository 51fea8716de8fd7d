// Op layer for random ops (dropout on the counter-based generator).
#pragma once
#include <cstdint>
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

}  // namespace pyfastfit
