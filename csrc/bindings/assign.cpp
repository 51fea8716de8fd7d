// Binds the in-place state updates (ops/assign.h) used by Variable.assign*.
#include "bindings/registry.h"
#include "ops/assign.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(assign, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("assign_", &assign_, py::arg("dst"), py::arg("src"), release());
  m.def("assign_add_", &assign_add_, py::arg("dst"), py::arg("src"), release());
  m.def("assign_sub_", &assign_sub_, py::arg("dst"), py::arg("src"), release());
}
