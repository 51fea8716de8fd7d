// Activation ops: checks and dispatch to cpu::activation_*.
#include "ops/activation.h"

#include "core/device.h"
#include "cpu/activation.h"

namespace pyfastfit {
namespace {
std::pair<int64_t, int64_t> rows_cols(const Tensor& x, Activation a) {
  bool rowwise = a == Activation::softmax || a == Activation::log_softmax;
  if (!rowwise) return {1, x.numel()};
  int64_t cols = x.ndim() ? x.dim(-1) : 1;
  return {cols ? x.numel() / cols : 0, cols};
}
}  // namespace

Tensor activation_forward(const Tensor& x, const std::string& activation, float alpha) {
  Device d = common_device(activation.c_str(), {{"x", x}});
  check_float32(x, activation.c_str(), "x");
  auto a = parse_activation(activation);
  auto [rows, cols] = rows_cols(x, a);
  return on_device(activation.c_str(), d, [&, rows = rows, cols = cols] {
    Tensor out = Tensor::empty(x.shape());
    cpu::activation_forward(a, x.f32(), out.f32(), rows, cols, alpha);
    return out;
  });
}

Tensor activation_backward(const Tensor& dout, const Tensor& x, const Tensor& out,
                           const std::string& activation, float alpha) {
  std::string op = activation + "_backward";
  Device d = common_device(op.c_str(), {{"dout", dout}, {"x", x}, {"out", out}});
  check_float32(dout, activation.c_str(), "dout");
  PFF_CHECK(dout.shape() == out.shape(), "[", activation, "_backward] dout has shape ",
            shape_str(dout.shape()), ", expected ", shape_str(out.shape()), ".");
  auto a = parse_activation(activation);
  auto [rows, cols] = rows_cols(x, a);
  return on_device(op.c_str(), d, [&, rows = rows, cols = cols] {
    Tensor dx = Tensor::empty(x.shape());
    cpu::activation_backward(a, dout.f32(), x.f32(), out.f32(), dx.f32(), rows, cols, alpha);
    return dx;
  });
}

}  // namespace pyfastfit
