// The one thread pool (OpenMP) and the knob for its size. OpenBLAS is kept at one
// thread; we split large GEMMs over this pool ourselves so two pools never spin.
#pragma once
#include <algorithm>
#include <cstdint>

#ifdef PYFASTFIT_WITH_OPENMP
#include <omp.h>
#endif

namespace pyfastfit {

/** Sets the size of the thread pool (and pins OpenBLAS to one thread). */
void set_num_threads(int n);
/** Current size of the thread pool. */
int get_num_threads();

/** Calls f(begin, end) over [0, n) in chunks on the pool when n >= grain, else inline. */
template <typename F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
#ifdef PYFASTFIT_WITH_OPENMP
  int nt = get_num_threads();
  if (n >= grain && nt > 1 && !omp_in_parallel()) {
    int64_t chunks = std::min<int64_t>(nt, (n + grain - 1) / std::max<int64_t>(grain, 1));
    chunks = std::max<int64_t>(chunks, 1);
#pragma omp parallel for num_threads(static_cast<int>(chunks)) schedule(static, 1)
    for (int64_t c = 0; c < chunks; ++c) {
      int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
      if (b < e) f(b, e);
    }
    return;
  }
#endif
  if (n > 0) f(int64_t{0}, n);
}

}  // namespace pyfastfit
