// Binds the shape and indexing ops (ops/shape.h).
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/shape.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(shape, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("transpose", &transpose, py::arg("x"), py::arg("perm"), release());
  m.def("strided_slice", &strided_slice, py::arg("x"), py::arg("starts"), py::arg("steps"),
        py::arg("counts"), release());
  m.def("contiguous_view", &contiguous_view, py::arg("x"), py::arg("offset"), py::arg("shape"));
  m.def("strided_slice_backward", &strided_slice_backward, py::arg("g"), py::arg("shape"),
        py::arg("starts"), py::arg("steps"), py::arg("counts"), release());
  m.def("slice_update", &slice_update, py::arg("x"), py::arg("starts"), py::arg("updates"),
        release());
  m.def("broadcast_to", &broadcast_to, py::arg("x"), py::arg("shape"), release());
  m.def("take", &take, py::arg("x"), py::arg("indices"), py::arg("axis"),
        py::arg("allow_negative") = true, release());
  m.def("take_backward", &take_backward, py::arg("g"), py::arg("indices"), py::arg("shape"),
        py::arg("axis"), release());
  m.def("take_along_axis", &take_along_axis, py::arg("x"), py::arg("indices"), py::arg("axis"),
        release());
  m.def("take_along_axis_backward", &take_along_axis_backward, py::arg("g"),
        py::arg("indices"), py::arg("shape"), py::arg("axis"), release());
  m.def("concatenate", &concatenate, py::arg("xs"), py::arg("axis"), release());
  m.def("pad", &pad, py::arg("x"), py::arg("before"), py::arg("after"), py::arg("value") = 0.0,
        release());
  m.def("cast", &cast, py::arg("x"), py::arg("dtype"), release());
  m.def("full", &full, py::arg("shape"), py::arg("value"), py::arg("dtype") = "float32",
        release());
  m.def("one_hot", &one_hot, py::arg("labels"), py::arg("depth"), py::arg("dtype") = "float32",
        release());
  m.def("argsort", &argsort, py::arg("x"), py::arg("descending") = false, release());
  m.def("top_k_indices", &top_k_indices, py::arg("x"), py::arg("k"), py::arg("sorted") = true,
        release());
}
