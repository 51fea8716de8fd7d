// Loss ops: checks and dispatch to cpu::point_loss_* / cpu::weighted_sum*.
#include "ops/losses.h"

#include "core/check.h"
#include "core/device.h"
#include "cpu/losses.h"

namespace pyfastfit {
namespace {

struct RowsCols {
  int64_t rows, cols;
  Shape out_shape;
};

RowsCols check_pair(const char* op, const Tensor& t, const Tensor& p) {
  check_float32(t, op, "y_true");
  check_float32(p, op, "y_pred");
  PFF_CHECK(t.shape() == p.shape(), "[", op, "] y_true has shape ", shape_str(t.shape()),
            " but y_pred has shape ", shape_str(p.shape()), "; they must match.");
  if (p.ndim() == 0) return {1, 1, Shape{}};
  int64_t cols = p.dim(-1);
  Shape out(p.shape().begin(), p.shape().end() - 1);
  return {cols ? p.numel() / cols : numel_of(out), cols, out};
}

const float* weights_ptr(const char* op, const std::optional<Tensor>& w, int64_t n) {
  if (!w) return nullptr;
  check_float32(*w, op, "weights");
  PFF_CHECK(w->numel() == n, "[", op, "] weights have ", w->numel(), " elements, expected ",
            n, ".");
  return w->f32();
}

void check_scalar(const char* op, const Tensor& g) {
  check_float32(g, op, "dout");
  PFF_CHECK(g.numel() == 1, "[", op, "] dout must be a scalar, got shape ",
            shape_str(g.shape()), ".");
}

}  // namespace

Tensor point_loss_forward(const std::string& loss, const Tensor& y_true, const Tensor& y_pred,
                          float param) {
  const char* op = "point_loss_forward";
  Device d = common_device(op, {{"y_true", y_true}, {"y_pred", y_pred}});
  auto k = parse_point_loss(loss);
  auto rc = check_pair(op, y_true, y_pred);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(rc.out_shape);
    cpu::point_loss_forward(k, y_true.f32(), y_pred.f32(), out.f32(), rc.rows, rc.cols, param);
    return out;
  });
}

Tensor point_loss_backward(const std::string& loss, const Tensor& dout, const Tensor& y_true,
                           const Tensor& y_pred, float param) {
  const char* op = "point_loss_backward";
  Device d = common_device(op, {{"dout", dout}, {"y_true", y_true}, {"y_pred", y_pred}});
  auto k = parse_point_loss(loss);
  auto rc = check_pair(op, y_true, y_pred);
  check_float32(dout, "point_loss_backward", "dout");
  PFF_CHECK(dout.numel() == rc.rows, "[point_loss_backward] dout has shape ",
            shape_str(dout.shape()), ", expected ", shape_str(rc.out_shape), ".");
  return on_device(op, d, [&] {
    Tensor dp = Tensor::empty(y_pred.shape());
    cpu::point_loss_backward(k, dout.f32(), 1.f, y_true.f32(), y_pred.f32(), dp.f32(), rc.rows,
                             rc.cols, param);
    return dp;
  });
}

Tensor point_loss_reduced_forward(const std::string& loss, const Tensor& y_true,
                                  const Tensor& y_pred, const std::optional<Tensor>& weights,
                                  float param, double scale) {
  const char* op = "point_loss_reduced_forward";
  Device d = common_device(op, {{"y_true", y_true}, {"y_pred", y_pred}, {"weights", weights}});
  auto k = parse_point_loss(loss);
  auto rc = check_pair(op, y_true, y_pred);
  const float* w = weights_ptr(op, weights, rc.rows);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(Shape{});
    out.f32()[0] = static_cast<float>(cpu::point_loss_reduced(
        k, y_true.f32(), y_pred.f32(), w, rc.rows, rc.cols, param, scale));
    return out;
  });
}

Tensor point_loss_reduced_backward(const std::string& loss, const Tensor& dout,
                                   const Tensor& y_true, const Tensor& y_pred,
                                   const std::optional<Tensor>& weights, float param,
                                   double scale) {
  const char* op = "point_loss_reduced_backward";
  Device d = common_device(op, {{"dout", dout}, {"y_true", y_true}, {"y_pred", y_pred},
                                {"weights", weights}});
  auto k = parse_point_loss(loss);
  auto rc = check_pair(op, y_true, y_pred);
  const float* w = weights_ptr(op, weights, rc.rows);
  check_scalar(op, dout);
  return on_device(op, d, [&] {
    float g = dout.f32()[0];
    Tensor dp = Tensor::empty(y_pred.shape());
    cpu::point_loss_backward(k, w, static_cast<float>(g * scale), y_true.f32(), y_pred.f32(),
                             dp.f32(), rc.rows, rc.cols, param);
    return dp;
  });
}

Tensor weighted_sum_forward(const Tensor& values, const std::optional<Tensor>& weights,
                            double scale) {
  const char* op = "weighted_sum_forward";
  Device d = common_device(op, {{"values", values}, {"weights", weights}});
  check_float32(values, "weighted_sum_forward", "values");
  const float* w = weights_ptr(op, weights, values.numel());
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(Shape{});
    out.f32()[0] = static_cast<float>(cpu::weighted_sum(values.f32(), w, values.numel(), scale));
    return out;
  });
}

Tensor weighted_sum_backward(const Tensor& dout, const std::optional<Tensor>& weights,
                             const Tensor& values, double scale) {
  const char* op = "weighted_sum_backward";
  Device d = common_device(op, {{"dout", dout}, {"weights", weights}, {"values", values}});
  check_scalar(op, dout);
  const float* w = weights_ptr(op, weights, values.numel());
  return on_device(op, d, [&] {
    float g = dout.f32()[0];
    Tensor dv = Tensor::empty(values.shape());
    cpu::weighted_sum_backward(g, w, dv.f32(), values.numel(), scale);
    return dv;
  });
}

}  // namespace pyfastfit
