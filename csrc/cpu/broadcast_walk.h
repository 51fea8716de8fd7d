// The walk over a broadcast plan shared by the elementwise kernels (elementwise.cpp,
// elementwise_unary.cpp): blocks of consecutive rows, split over the thread pool when the
// plan is large.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "core/threads.h"
#include "cpu/elementwise.h"

namespace pyfastfit::cpu::broadcast {

/** Elements per parallel chunk of the elementwise kernels. */
constexpr int64_t kGrain = 1 << 15;

/** Calls f(offsets, n, rows) for blocks of `rows` runs of the innermost (collapsed) dim
 *  that are consecutive along the second-innermost dim (row strides: row_strides(p)), in
 *  parallel over runs (or over the one run) when the plan is large. */
template <typename F>
void walk(const Plan& p, bool parallel, F&& f) {
  int nd = static_cast<int>(p.shape.size());
  int K = p.operands;
  if (p.numel == 0) return;
  if (nd == 0) {
    int64_t offs[4] = {0, 0, 0, 0};
    f(offs, int64_t{1}, int64_t{1});
    return;
  }
  int64_t inner = p.shape[nd - 1];
  int64_t rows = p.numel / inner;
  int64_t grain = parallel ? kGrain : std::numeric_limits<int64_t>::max();
  if (rows == 1) {
    parallel_for(inner, grain, [&](int64_t b, int64_t e) {
      int64_t offs[4] = {0, 0, 0, 0};
      for (int k = 0; k < K; ++k) offs[k] = b * p.strides[k][nd - 1];
      f(offs, e - b, int64_t{1});
    });
    return;
  }
  parallel_for(rows, std::max<int64_t>(1, grain / inner), [&](int64_t rb, int64_t re) {
    int64_t idx[64];
    int64_t offs[4] = {0, 0, 0, 0};
    int64_t r = rb;
    for (int d = nd - 2; d >= 0; --d) {
      idx[d] = r % p.shape[d];
      r /= p.shape[d];
      for (int k = 0; k < K; ++k) offs[k] += idx[d] * p.strides[k][d];
    }
    const int d1 = nd - 2;
    for (int64_t row = rb; row < re;) {
      int64_t cnt = std::min<int64_t>(re - row, p.shape[d1] - idx[d1]);
      f(offs, inner, cnt);
      row += cnt;
      for (int k = 0; k < K; ++k) offs[k] += cnt * p.strides[k][d1];
      idx[d1] += cnt;
      if (idx[d1] < p.shape[d1]) continue;
      for (int k = 0; k < K; ++k) offs[k] -= idx[d1] * p.strides[k][d1];
      idx[d1] = 0;
      for (int d = d1 - 1; d >= 0; --d) {
        for (int k = 0; k < K; ++k) offs[k] += p.strides[k][d];
        if (++idx[d] < p.shape[d]) break;
        for (int k = 0; k < K; ++k) offs[k] -= idx[d] * p.strides[k][d];
        idx[d] = 0;
      }
    }
  });
}

/** Row strides (second-innermost dim) of each operand; 0 for plans with < 2 dims. */
inline void row_strides(const Plan& p, int64_t* rs) {
  int nd = static_cast<int>(p.shape.size());
  for (int k = 0; k < p.operands; ++k) rs[k] = nd >= 2 ? p.strides[k][nd - 2] : 0;
}

}  // namespace pyfastfit::cpu::broadcast
