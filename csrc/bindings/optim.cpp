// Binds the fused optimizer step (all variables of a step in one call).
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/optim.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(optim, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("optimizer_update_", &optimizer_update_, py::arg("algo"), py::arg("params"),
        py::arg("grads"), py::arg("slots"), py::arg("learning_rate"), py::arg("iterations"),
        py::arg("hyper"), py::arg("clip_mode") = "none", py::arg("clip") = 0.f,
        py::arg("weight_decay") = std::vector<float>{}, release());
  m.def("global_norm", &global_norm, py::arg("tensors"), release());
}
