// PYBIND11_MODULE(_C): runs every registered family's init in order.
#include <algorithm>

#include "bindings/registry.h"

namespace py = pybind11;

PYBIND11_MODULE(_C, m) {
  m.doc() = "pyfastfit C++ core (private; use pyfastfit.ops)";
  auto fns = pyfastfit::bindings::registry();
  std::stable_sort(fns.begin(), fns.end(),
                   [](auto& a, auto& b) { return a.first < b.first; });
  for (auto& [order, fn] : fns) fn(m);
}
