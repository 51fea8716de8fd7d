// Binds the convolution and pooling ops.
#include <pybind11/stl.h>

#include "bindings/registry.h"
#include "ops/conv.h"
#include "ops/pool.h"

namespace py = pybind11;
using namespace pyfastfit;

PFF_BINDINGS(conv, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("conv_forward", &conv_forward, py::arg("x"), py::arg("kernel"), py::arg("strides"),
        py::arg("pad_begin"), py::arg("pad_end"), py::arg("dilation"), release());
  m.def("conv_backward", &conv_backward, py::arg("dout"), py::arg("x"), py::arg("kernel"),
        py::arg("strides"), py::arg("pad_begin"), py::arg("pad_end"), py::arg("dilation"),
        py::arg("need_dx"), py::arg("need_dkernel"), release());
  m.def("conv_forward_fused", &conv_forward_fused, py::arg("x"), py::arg("kernel"),
        py::arg("bias"), py::arg("activation"), py::arg("alpha"), py::arg("strides"),
        py::arg("pad_begin"), py::arg("pad_end"), py::arg("dilation"), release());
  m.def("conv_backward_fused", &conv_backward_fused, py::arg("dout"), py::arg("x"),
        py::arg("kernel"), py::arg("z"), py::arg("out"), py::arg("activation"),
        py::arg("alpha"), py::arg("strides"), py::arg("pad_begin"), py::arg("pad_end"),
        py::arg("dilation"), py::arg("need_dx"), py::arg("need_dkernel"),
        py::arg("need_dbias"), release());
  m.def("conv_transpose_forward", &conv_transpose_forward, py::arg("x"), py::arg("kernel"),
        py::arg("output_spatial"), py::arg("strides"), py::arg("pad_begin"),
        py::arg("dilation"), release());
  m.def("conv_transpose_backward", &conv_transpose_backward, py::arg("dout"), py::arg("x"),
        py::arg("kernel"), py::arg("strides"), py::arg("pad_begin"), py::arg("dilation"),
        py::arg("need_dx"), py::arg("need_dkernel"), release());
  m.def("_set_conv_winograd", &set_conv_winograd, py::arg("enabled"));
  m.def("max_pool_forward", &max_pool_forward, py::arg("x"), py::arg("pool_size"),
        py::arg("strides"), py::arg("pad_begin"), py::arg("pad_end"), release());
  m.def("max_pool_backward", &max_pool_backward, py::arg("dout"), py::arg("argmax"),
        py::arg("x_shape"), py::arg("pool_size") = Shape{}, py::arg("strides") = Shape{},
        py::arg("pad_begin") = Shape{}, py::arg("pad_end") = Shape{}, release());
  m.def("average_pool_forward", &average_pool_forward, py::arg("x"), py::arg("pool_size"),
        py::arg("strides"), py::arg("pad_begin"), py::arg("pad_end"), release());
  m.def("average_pool_backward", &average_pool_backward, py::arg("dout"), py::arg("x_shape"),
        py::arg("pool_size"), py::arg("strides"), py::arg("pad_begin"), py::arg("pad_end"),
        release());
  m.def("masked_mean_pool_forward", &masked_mean_pool_forward, py::arg("x"),
        py::arg("mask"), release());
  m.def("masked_mean_pool_backward", &masked_mean_pool_backward, py::arg("dy"),
        py::arg("mask"), release());
}
