// Binds the BatchNormalization, LayerNormalization, GroupNormalization and
// UnitNormalization ops.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/normalization.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(normalization, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("batch_norm_statistics", &batch_norm_statistics, py::arg("x"), release());
  m.def("batch_norm_statistics_backward", &batch_norm_statistics_backward,
        py::arg("dmean"), py::arg("dvar"), py::arg("x"), py::arg("mean"), release());
  m.def("batch_norm_train_forward", &batch_norm_train_forward, py::arg("x"),
        py::arg("gamma"), py::arg("beta"), py::arg("epsilon"), release());
  m.def("batch_norm_forward", &batch_norm_forward, py::arg("x"), py::arg("mean"),
        py::arg("variance"), py::arg("gamma"), py::arg("beta"), py::arg("epsilon"),
        release());
  m.def("batch_norm_backward", &batch_norm_backward, py::arg("dy"), py::arg("x"),
        py::arg("mean"), py::arg("variance"), py::arg("gamma"), py::arg("epsilon"),
        py::arg("batch_stats"), py::arg("need_dx"), py::arg("need_dgamma"),
        py::arg("need_dbeta"), py::arg("need_dmean") = false, py::arg("need_dvar") = false,
        release());
  m.def("moving_average_update_", &moving_average_update_, py::arg("moving"),
        py::arg("batch"), py::arg("momentum"), release());
  m.def("layer_norm_forward", &layer_norm_forward, py::arg("x"), py::arg("gamma"),
        py::arg("beta"), py::arg("epsilon"), release());
  m.def("layer_norm_backward", &layer_norm_backward, py::arg("dy"), py::arg("x"),
        py::arg("mean"), py::arg("inv_std"), py::arg("gamma"), py::arg("need_dx"),
        py::arg("need_dgamma"), py::arg("need_dbeta"), release());
  m.def("layer_norm_rms_forward", &layer_norm_rms_forward, py::arg("x"), py::arg("gamma"),
        py::arg("epsilon"), release());
  m.def("layer_norm_rms_backward", &layer_norm_rms_backward, py::arg("dy"), py::arg("x"),
        py::arg("mean"), py::arg("inv_std"), py::arg("gamma"), py::arg("need_dx"),
        py::arg("need_dgamma"), release());
  m.def("unit_norm_forward", &unit_norm_forward, py::arg("x"), release());
  m.def("unit_norm_backward", &unit_norm_backward, py::arg("dy"), py::arg("x"),
        py::arg("sq"), release());
  m.def("group_norm_forward", &group_norm_forward, py::arg("x"), py::arg("gamma"),
        py::arg("beta"), py::arg("groups"), py::arg("epsilon"), release());
  m.def("group_norm_backward", &group_norm_backward, py::arg("dy"), py::arg("x"),
        py::arg("mean"), py::arg("inv_std"), py::arg("gamma"), py::arg("groups"),
        py::arg("need_dx"), py::arg("need_dgamma"), py::arg("need_dbeta"), release());
}
