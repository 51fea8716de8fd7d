// Test hook for the thread pool (tests/core/test_threads.py): no kernel uses it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "bindings/registry.h"
#include "core/threads.h"

namespace py = pybind11;
using namespace pyfastfit;

namespace {

using Chunk = std::tuple<int64_t, int64_t, int64_t, bool>;

/** Runs parallel_for(n, grain) and returns its chunks sorted, as (begin, end, nested,
 *  in_parallel): nested is how many chunks a parallel_for(nested_n, 1) made inside the
 *  chunk (1: it ran serially). The chunk holding index throw_at (if >= 0) throws. */
std::vector<Chunk> parallel_probe(int64_t n, int64_t grain, int64_t nested_n,
                                  int64_t throw_at) {
  std::mutex mu;
  std::vector<Chunk> out;
  parallel_for(n, grain, [&](int64_t b, int64_t e) {
    std::atomic<int64_t> inner{0};
    int64_t covered = 0;
    if (nested_n > 0) {
      parallel_for(nested_n, 1, [&](int64_t ib, int64_t ie) {
        inner.fetch_add(1);
        covered += ie - ib;  // serial when nested, so no race
      });
    }
    if (covered != std::max<int64_t>(nested_n, 0)) throw std::runtime_error("nested gap");
    if (throw_at >= b && throw_at < e) throw std::invalid_argument("probe chunk threw");
    std::lock_guard<std::mutex> g(mu);
    out.emplace_back(b, e, inner.load(), in_parallel());
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

PFF_BINDINGS(threads, 90) {
  m.def("_parallel_probe", &parallel_probe, py::arg("n"), py::arg("grain"),
        py::arg("nested_n") = 0, py::arg("throw_at") = -1,
        py::call_guard<py::gil_scoped_release>());
}
