// Binds the elementwise ops: generic entry points taking an op code (codes from
// elementwise_codes()), named Tensor-Tensor / Tensor-float forms for backward rules,
// where, clip, nan_to_num and sum_to_shape.
#include <pybind11/stl.h>

#include <optional>

#include "bindings/registry.h"
#include "ops/elementwise.h"

namespace py = pybind11;
using namespace pyfastfit;
using cpu::BinaryOp;
using cpu::UnaryOp;

namespace {

BinaryOp bop(int code) {
  PFF_CHECK(code >= 0 && code < static_cast<int>(BinaryOp::count), "[binary] unknown op code ",
            code, ".");
  return static_cast<BinaryOp>(code);
}
UnaryOp uop(int code) {
  PFF_CHECK(code >= 0 && code < static_cast<int>(UnaryOp::count), "[unary] unknown op code ",
            code, ".");
  return static_cast<UnaryOp>(code);
}

}  // namespace

PFF_BINDINGS(elementwise, 10) {
  using release = py::call_guard<py::gil_scoped_release>;
  m.def("elementwise_codes", []() {
    py::dict b, u;
    for (int i = 0; i < static_cast<int>(BinaryOp::count); ++i)
      b[cpu::binary_name(static_cast<BinaryOp>(i))] = i;
    for (int i = 0; i < static_cast<int>(UnaryOp::count); ++i)
      u[cpu::unary_name(static_cast<UnaryOp>(i))] = i;
    py::dict d;
    d["binary"] = b;
    d["unary"] = u;
    return d;
  });
  m.def("binary", [](int op, const Tensor& a, const Tensor& b) { return binary(bop(op), a, b); },
        py::arg("op"), py::arg("a"), py::arg("b"), release());
  m.def("binary_scalar",
        [](int op, const Tensor& a, double s, bool s_is_int, bool reverse) {
          return binary_scalar(bop(op), a, s, s_is_int, reverse);
        },
        py::arg("op"), py::arg("a"), py::arg("s"), py::arg("s_is_int"), py::arg("reverse"),
        release());
  m.def("binary_backward",
        [](int op, const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& out) {
          return binary_backward(bop(op), g, a, b, out);
        },
        py::arg("op"), py::arg("g"), py::arg("a"), py::arg("b"), py::arg("out"), release());
  m.def("unary", [](int op, const Tensor& x) { return unary(uop(op), x); }, py::arg("op"),
        py::arg("x"), release());
  m.def("unary_backward",
        [](int op, const Tensor& g, const Tensor& x, const Tensor& out) {
          return unary_backward(uop(op), g, x, out);
        },
        py::arg("op"), py::arg("g"), py::arg("x"), py::arg("out"), release());
  // Named forms: f(a, b) on tensors, and f(a, s) with a float scalar (weak).
  static const std::pair<const char*, BinaryOp> named[] = {
      {"add", BinaryOp::add},         {"subtract", BinaryOp::subtract},
      {"multiply", BinaryOp::multiply}, {"divide", BinaryOp::divide},
      {"maximum", BinaryOp::maximum}, {"minimum", BinaryOp::minimum},
      {"power", BinaryOp::power}};
  for (auto& [name, op] : named) {
    BinaryOp o = op;
    m.def(name, [o](const Tensor& a, const Tensor& b) { return binary(o, a, b); }, py::arg("a"),
          py::arg("b"), release());
    m.def(name, [o](const Tensor& a, double s) { return binary_scalar(o, a, s, false, false); },
          py::arg("a"), py::arg("s"), release());
  }
  static const std::pair<const char*, UnaryOp> named_unary[] = {
      {"negative", UnaryOp::negative}, {"square", UnaryOp::square}, {"sqrt", UnaryOp::sqrt},
      {"exp", UnaryOp::exp},           {"log", UnaryOp::log},       {"abs", UnaryOp::abs},
      {"sign", UnaryOp::sign}};
  for (auto& [name, op] : named_unary) {
    UnaryOp o = op;
    m.def(name, [o](const Tensor& x) { return unary(o, x); }, py::arg("x"), release());
  }
  m.def("where", &where, py::arg("condition"), py::arg("x1"), py::arg("x2"), release());
  m.def("clip", &clip, py::arg("x"), py::arg("x_min"), py::arg("x_max"), release());
  m.def("clip_backward", &clip_backward, py::arg("g"), py::arg("x"), py::arg("x_min"),
        py::arg("x_max"), release());
  m.def("nan_to_num", &nan_to_num, py::arg("x"), py::arg("nan"), py::arg("posinf"),
        py::arg("neginf"), release());
  m.def("sum_to_shape", &sum_to_shape, py::arg("g"), py::arg("shape"), release());
  // The gradient for input x of a broadcasting op: None when x is not float32, g itself
  // when the shapes match, else g summed down to x's shape.
  m.def("sum_to_like",
        [](const Tensor& g, const Tensor& x) -> std::optional<Tensor> {
          if (x.dtype() != DType::float32) return std::nullopt;
          if (g.shape() == x.shape()) return g;
          return sum_to_shape(g, x.shape());
        },
        py::arg("g"), py::arg("x"), release());
}
