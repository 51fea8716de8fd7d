// Binds the metric accumulators (ops/metrics.h).
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/metrics.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(metrics, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("accuracy_update_", &accuracy_update_, py::arg("total"), py::arg("count"),
        py::arg("y_true"), py::arg("y_pred"), py::arg("weights"), py::arg("kind"),
        py::arg("threshold") = 0.5f, py::arg("k") = 5, release());
  m.def("accuracy_matches", &accuracy_matches, py::arg("y_true"), py::arg("y_pred"),
        py::arg("kind"), py::arg("threshold") = 0.5f, py::arg("k") = 5, release());
  m.def("sum_update_", &sum_update_, py::arg("total"), py::arg("values"), py::arg("weights"),
        release());
  m.def("mean_result", &mean_result, py::arg("total"), py::arg("count"), release());
  m.def("confusion_update_", &confusion_update_, py::arg("tp"), py::arg("fp"), py::arg("tn"),
        py::arg("fn"), py::arg("y_true"), py::arg("y_pred"), py::arg("thresholds"),
        py::arg("weights"), release());
}
