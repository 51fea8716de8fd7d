// Pieces the reduction kernels (reduce.cpp) and their backward (reduce_backward.cpp)
// share: the parallel grain, the walks over (outer, r, inner) slices, and scratch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/threads.h"

namespace pyfastfit::cpu::reduce_parts {

constexpr int64_t kGrain = 1 << 15;

/** Rows of a few values walked as one flat array, 8 rows at a time (32 rows, more
 *  independent chains, measured slower on W4's 900 x 3 global pooling). */
inline int64_t narrow_period(int64_t inner) { return inner * 8; }

/** Zeroed float scratch: on the stack up to 256 floats, else on the heap. */
class SmallBuffer {
 public:
  explicit SmallBuffer(int64_t n) {
    if (n > kStack) heap_.assign(static_cast<size_t>(n), 0.f);
    else std::fill(stack_, stack_ + n, 0.f);
  }
  float* data() { return heap_.empty() ? stack_ : heap_.data(); }

 private:
  static constexpr int64_t kStack = 256;
  float stack_[kStack];
  std::vector<float> heap_;
};

// f(o) for each outer slice o, in parallel over slices.
template <typename F>
void per_outer(int64_t outer, int64_t r, int64_t inner, F&& f) {
  parallel_for(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(r * inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t o = b; o < e; ++o) f(o);
               });
}

// dx rows computed independently: parallel over all (o, j) rows.
template <typename F>
void per_row(int64_t outer, int64_t r, int64_t inner, F&& f) {
  parallel_for(outer * r, std::max<int64_t>(1, kGrain / std::max<int64_t>(inner, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t k = b; k < e; ++k) f(k / r, k);
               });
}

/** Mean of each (o, i) column of x (outer, r, inner), in double (reduce.cpp). */
std::vector<double> means(const float* x, int64_t outer, int64_t r, int64_t inner);

}  // namespace pyfastfit::cpu::reduce_parts
