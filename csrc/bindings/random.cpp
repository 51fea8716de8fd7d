// Binds the random ops.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/random.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(random, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("dropout_forward", &dropout_forward, py::arg("x"), py::arg("rate"), py::arg("seed"),
        py::arg("counter"), release());
  m.def("gaussian_noise_forward", &gaussian_noise_forward, py::arg("x"), py::arg("stddev"),
        py::arg("seed"), py::arg("counter"), release());
  m.def("dropout_forward_counted", &dropout_forward_counted, py::arg("x"), py::arg("rate"),
        py::arg("seed"), py::arg("counter"), release());
  m.def("gaussian_noise_forward_counted", &gaussian_noise_forward_counted, py::arg("x"),
        py::arg("stddev"), py::arg("seed"), py::arg("counter"), release());
}
