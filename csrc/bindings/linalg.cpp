// Binds matmul, the fused Dense op and the activation ops.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/activation.h"
#include "ops/linalg.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(linalg, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("matmul", &matmul, py::arg("a"), py::arg("b"), py::arg("transpose_a") = false,
        py::arg("transpose_b") = false, release());
  m.def("dense_forward", &dense_forward, py::arg("x"), py::arg("kernel"), py::arg("bias"),
        py::arg("activation") = "linear", py::arg("alpha") = 0.f, release());
  m.def("dense_backward", &dense_backward, py::arg("dout"), py::arg("x"), py::arg("kernel"),
        py::arg("z"), py::arg("out"), py::arg("activation"), py::arg("alpha"),
        py::arg("need_dx"), py::arg("need_dbias"), release());
  m.def("activation_forward", &activation_forward, py::arg("x"), py::arg("activation"),
        py::arg("alpha") = 0.f, release());
  m.def("activation_backward", &activation_backward, py::arg("dout"), py::arg("x"),
        py::arg("out"), py::arg("activation"), py::arg("alpha") = 0.f, release());
}
