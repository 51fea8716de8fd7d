// Binds the fused loss ops (ops/losses.h).
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/losses.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(losses, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("point_loss_forward", &point_loss_forward, py::arg("loss"), py::arg("y_true"),
        py::arg("y_pred"), py::arg("param") = 0.f, release());
  m.def("point_loss_backward", &point_loss_backward, py::arg("loss"), py::arg("dout"),
        py::arg("y_true"), py::arg("y_pred"), py::arg("param") = 0.f, release());
  m.def("point_loss_reduced_forward", &point_loss_reduced_forward, py::arg("loss"),
        py::arg("y_true"), py::arg("y_pred"), py::arg("weights"), py::arg("param"),
        py::arg("scale"), release());
  m.def("point_loss_reduced_backward", &point_loss_reduced_backward, py::arg("loss"),
        py::arg("dout"), py::arg("y_true"), py::arg("y_pred"), py::arg("weights"),
        py::arg("param"), py::arg("scale"), release());
  m.def("weighted_sum_forward", &weighted_sum_forward, py::arg("values"), py::arg("weights"),
        py::arg("scale"), release());
  m.def("weighted_sum_backward", &weighted_sum_backward, py::arg("dout"), py::arg("weights"),
        py::arg("values"), py::arg("scale"), release());
}
