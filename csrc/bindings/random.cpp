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
  // keras.random draws keyed by a SeedGenerator state (see ops/random.h).
  m.def("random_normal", &random_normal, py::arg("shape"), py::arg("mean"),
        py::arg("stddev"), py::arg("state"), py::arg("advance"), release());
  m.def("random_uniform", &random_uniform, py::arg("shape"), py::arg("minval"),
        py::arg("maxval"), py::arg("state"), py::arg("advance"), release());
  m.def("random_truncated_normal", &random_truncated_normal, py::arg("shape"),
        py::arg("mean"), py::arg("stddev"), py::arg("state"), py::arg("advance"), release());
  m.def("random_randint", &random_randint, py::arg("shape"), py::arg("minval"),
        py::arg("span_minus_one"), py::arg("dtype"), py::arg("state"), py::arg("advance"),
        release());
  m.def("dropout_forward_state", &dropout_forward_state, py::arg("x"), py::arg("rate"),
        py::arg("state"), release());
  m.def("random_state_next", &random_state_next, py::arg("state"), py::arg("ordered"),
        release());
}
