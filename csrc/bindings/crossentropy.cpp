// Binds the cross-entropy forward/backward kernels.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/crossentropy.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(crossentropy, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("sparse_softmax_cross_entropy_forward", &sparse_softmax_cross_entropy_forward,
        py::arg("logits"), py::arg("labels"), release());
  m.def("sparse_softmax_cross_entropy_backward", &sparse_softmax_cross_entropy_backward,
        py::arg("probs"), py::arg("labels"), py::arg("g"), release());
  m.def("softmax_cross_entropy_forward", &softmax_cross_entropy_forward, py::arg("logits"),
        py::arg("target"), release());
  m.def("softmax_cross_entropy_backward", &softmax_cross_entropy_backward, py::arg("probs"),
        py::arg("target"), py::arg("logits"), py::arg("g"), py::arg("need_dtarget") = false,
        release());
  m.def("sparse_categorical_crossentropy_probs_forward",
        &sparse_categorical_crossentropy_probs_forward, py::arg("probs"), py::arg("labels"),
        release());
  m.def("sparse_categorical_crossentropy_probs_backward",
        &sparse_categorical_crossentropy_probs_backward, py::arg("probs"), py::arg("labels"),
        py::arg("g"), release());
  m.def("categorical_crossentropy_probs_forward", &categorical_crossentropy_probs_forward,
        py::arg("probs"), py::arg("target"), release());
  m.def("categorical_crossentropy_probs_backward", &categorical_crossentropy_probs_backward,
        py::arg("probs"), py::arg("target"), py::arg("g"), py::arg("need_dtarget") = false,
        release());
  m.def("binary_crossentropy_forward", &binary_crossentropy_forward, py::arg("output"),
        py::arg("target"), py::arg("from_logits") = false, release());
  m.def("binary_crossentropy_backward", &binary_crossentropy_backward, py::arg("output"),
        py::arg("target"), py::arg("g"), py::arg("from_logits") = false,
        py::arg("need_dtarget") = false, release());
}
