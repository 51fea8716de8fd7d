// Thread-pool size, shared by our kernels; OpenBLAS is always single-threaded.
#include "core/threads.h"

#include "core/check.h"

#include <cblas.h>

#include <atomic>
#include <thread>

namespace pyfastfit {
namespace {
std::atomic<int> g_threads{0};

int default_threads() {
#ifdef PYFASTFIT_WITH_OPENMP
  return std::max(1, omp_get_num_procs());
#else
  return 1;
#endif
}
}  // namespace

void set_num_threads(int n) {
  PFF_CHECK(n >= 1, "set_num_threads expects a positive thread count, got ", n, ".");
  g_threads = n;
  scipy_openblas_set_num_threads(1);
}

int get_num_threads() {
  int n = g_threads.load(std::memory_order_relaxed);
  if (n == 0) {
    n = default_threads();
    g_threads = n;
    scipy_openblas_set_num_threads(1);
  }
  return n;
}

}  // namespace pyfastfit
