// Binds the reductions (ops/reduce.h).
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/reduce.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(reduce, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("reduce", &reduce, py::arg("x"), py::arg("axes"), py::arg("op"),
        py::arg("keepdims") = false, py::arg("ddof") = 0, release());
  m.def("reduce_backward", &reduce_backward, py::arg("g"), py::arg("x"), py::arg("out"),
        py::arg("axes"), py::arg("op"), py::arg("ddof") = 0, release());
  m.def("reduce_any_all", &reduce_any_all, py::arg("x"), py::arg("axes"), py::arg("any"),
        py::arg("keepdims") = false, release());
  m.def("argreduce", &argreduce, py::arg("x"), py::arg("axis"), py::arg("is_max"),
        py::arg("keepdims") = false, release());
  m.def("cumulative", &cumulative, py::arg("x"), py::arg("axis"), py::arg("prod") = false,
        py::arg("reverse") = false, release());
}
