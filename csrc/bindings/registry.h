// Each bindings/<family>.cpp registers its init function with PFF_BINDINGS(name) so a
// new family never has to edit module.cpp.
#pragma once
#include <pybind11/pybind11.h>

#include <functional>
#include <vector>

namespace pyfastfit::bindings {

using InitFn = void (*)(pybind11::module_&);

/** All registered init functions, in registration order. */
inline std::vector<std::pair<int, InitFn>>& registry() {
  static std::vector<std::pair<int, InitFn>> fns;
  return fns;
}

struct Registrar {
  /** Lower `order` runs first (the Tensor class must be bound before ops use it). */
  Registrar(int order, InitFn fn) { registry().emplace_back(order, fn); }
};

}  // namespace pyfastfit::bindings

#define PFF_BINDINGS(name, order)                                       \
  static void pff_init_##name(pybind11::module_& m);                   \
  static ::pyfastfit::bindings::Registrar pff_reg_##name(order, pff_init_##name); \
  static void pff_init_##name(pybind11::module_& m)
