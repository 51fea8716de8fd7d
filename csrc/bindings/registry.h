// Each bindings/<family>.cpp registers its init function with PFF_BINDINGS(name) so a
// new family never has to edit module.cpp. Inside it, `m.def(...)` goes through OpModule,
// which makes every module function recordable by pyfastfit.function (core/capture.h).
#pragma once
#include <pybind11/pybind11.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/capture.h"

namespace pyfastfit::bindings {

using InitFn = void (*)(pybind11::module_&);

/** All registered init functions, in registration order. */
inline std::vector<std::pair<int, InitFn>>& registry() {
  static std::vector<std::pair<int, InitFn>> fns;
  return fns;
}

/** Every module function's capture kind: true = recorded and replayed, false = a
 *  boundary to Python (tests list them; see `_C.capture_kinds()`). */
inline std::map<std::string, bool>& capture_kinds() {
  static std::map<std::string, bool> kinds;
  return kinds;
}

/** Raises a pending Ctrl-C (KeyboardInterrupt) in the calling C++ loop: the loops of
 *  Program and Recording run without the GIL, so Python's handler would otherwise run
 *  only when the call returns. They call it between steps, at most every 50 ms. */
inline void check_signals() {
  pybind11::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

struct Registrar {
  /** Lower `order` runs first (the Tensor class must be bound before ops use it). */
  Registrar(int order, InitFn fn) { registry().emplace_back(order, fn); }
};

/** The module as the bindings see it: `def` wraps the callable with capture::recorded
 *  (same signature, so pybind11 binds it as before); a class binds to it as to the
 *  module (`py::class_<T>(m, ...)`). */
class OpModule {
 public:
  explicit OpModule(pybind11::module_& m) : m_(m) {}
  /** `name` must be a string literal (the recording keeps the pointer). */
  template <class F, class... Extra>
  OpModule& def(const char* name, F&& f, const Extra&... extra) {
    using Fn = std::decay_t<F>;
    capture_kinds()[name] = capture::is_replayable<Fn>();
    m_.def(name, capture::recorded(name, Fn(std::forward<F>(f))), extra...);
    return *this;
  }
  operator pybind11::handle() const { return m_; }

 private:
  pybind11::module_& m_;
};

}  // namespace pyfastfit::bindings

#define PFF_BINDINGS(name, order)                                                    \
  static void pff_body_##name(::pyfastfit::bindings::OpModule& m);                    \
  static void pff_init_##name(pybind11::module_& raw) {                              \
    ::pyfastfit::bindings::OpModule m(raw);                                          \
    pff_body_##name(m);                                                              \
  }                                                                                   \
  static ::pyfastfit::bindings::Registrar pff_reg_##name(order, pff_init_##name);     \
  static void pff_body_##name(::pyfastfit::bindings::OpModule& m)
