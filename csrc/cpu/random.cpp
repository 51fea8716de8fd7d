// Dropout kernel on the counter-based generator of random.h.
#include "cpu/random.h"

#include "core/threads.h"

namespace pyfastfit::cpu {

void dropout_forward(const float* x, float* out, float* mask, int64_t n, float rate,
                     uint64_t seed, uint64_t counter) {
  const float scale = rate < 1.f ? 1.f / (1.f - rate) : 0.f;
  parallel_for(n, 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float m = random_uniform01(seed, counter, static_cast<uint64_t>(i)) >= rate ? scale : 0.f;
      mask[i] = m;
      out[i] = x[i] * m;
    }
  });
}

}  // namespace pyfastfit::cpu
