// Elementwise ops: checks, dtype rules and dispatch to cpu::elementwise.
#include "ops/elementwise.h"

#include <cmath>
#include <cstring>
#include <string>

#include "core/device.h"

namespace pyfastfit {
namespace {

int rank(DType d) {
  switch (d) {
    case DType::bool_: return 0;
    case DType::uint8: return 1;
    case DType::int32: return 2;
    case DType::int64: return 3;
    case DType::float32: return 4;
  }
  return 4;
}

bool is_logical(cpu::BinaryOp op) {
  return op >= cpu::BinaryOp::logical_and && op <= cpu::BinaryOp::logical_xor;
}
bool is_comparison(cpu::BinaryOp op) {
  return op >= cpu::BinaryOp::equal && op < cpu::BinaryOp::logical_and;
}

bool is_bitwise(cpu::BinaryOp op) { return op >= cpu::BinaryOp::bitwise_and; }

/** The dtype the kernel computes in, given the promoted input dtype. */
DType compute_dtype(cpu::BinaryOp op, DType dt) {
  if (is_logical(op) || is_comparison(op)) return dt;
  if (is_bitwise(op)) {
    PFF_CHECK(dt != DType::float32, "[", cpu::binary_name(op),
              "] expects integer or bool inputs, got float32.");
    bool keeps_bool = op != cpu::BinaryOp::left_shift && op != cpu::BinaryOp::right_shift;
    return dt == DType::bool_ && !keeps_bool ? DType::int32 : dt;
  }
  if (op == cpu::BinaryOp::divide || op == cpu::BinaryOp::arctan2) return DType::float32;
  if (dt == DType::bool_) return DType::int32;  // bool arithmetic
  return dt;
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (size_t i = 0; i < nd; ++i) {
    int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    PFF_CHECK(da == db || da == 1 || db == 1, "[", op,
              "] operands could not be broadcast together with shapes ", shape_str(a), " and ",
              shape_str(b), ".");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

DType promote_types(DType a, DType b) { return rank(a) >= rank(b) ? a : b; }

Tensor astype(const Tensor& x, DType dt) {
  if (x.dtype() == dt) return x;
  return on_device("astype", x.device(), [&] {
    Tensor out = Tensor::empty(x.shape(), dt);
    cpu::cast(x.dtype(), x.raw(), dt, out.raw(), x.numel());
    return out;
  });
}

Tensor binary(cpu::BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = cpu::binary_name(op);
  PFF_CHECK(op >= cpu::BinaryOp::add && op < cpu::BinaryOp::count, "[binary] unknown op code ",
            static_cast<int>(op), ".");
  Device d = common_device(name, {{"x1", a}, {"x2", b}});
  DType dt = compute_dtype(op, promote_types(a.dtype(), b.dtype()));
  DType odt = cpu::binary_is_predicate(op) ? DType::bool_ : dt;
  bool same = a.shape() == b.shape();
  Shape bs = same ? Shape() : broadcast_shapes(a.shape(), b.shape(), name);
  const Shape& os = same ? a.shape() : bs;  // no copy on the common same-shape path
  return on_device(name, d, [&] {
    Tensor ca = astype(a, dt), cb = astype(b, dt);
    Tensor out = Tensor::empty(os, odt);
    cpu::Plan plan;
    if (same) {
      // Same shape: one contiguous run.
      int64_t n = a.numel();
      plan.operands = 3;
      plan.numel = n;
      if (n != 1 || a.ndim()) {
        plan.shape = {n};
        for (auto& s : plan.strides) s = {1};
      }
    } else {
      plan = cpu::make_plan(os, {&a.shape(), &b.shape()});
    }
    cpu::binary(op, dt, ca.raw(), cb.raw(), out.raw(), plan);
    return out;
  });
}

Tensor binary_scalar(cpu::BinaryOp op, const Tensor& a, double s, bool s_is_int, bool reverse) {
  const char* name = cpu::binary_name(op);
  PFF_CHECK(op >= cpu::BinaryOp::add && op < cpu::BinaryOp::count, "[binary] unknown op code ",
            static_cast<int>(op), ".");
  Device d = common_device(name, {{"x", a}});
  DType dt = a.dtype();
  if (!s_is_int) {
    if (!is_logical(op)) dt = DType::float32;  // int tensor + 2.5 -> float32
  } else if (dt == DType::bool_ && !is_logical(op)) {
    dt = DType::int32;  // bool tensor + 1 (or > 1) -> int32 arithmetic
  }
  dt = compute_dtype(op, dt);
  if (s_is_int && is_comparison(op) && (dt == DType::uint8 || dt == DType::int32)) {
    // A scalar outside the tensor's range compares exactly in int64 (uint8 > -1 is true).
    double lo = dt == DType::uint8 ? 0.0 : -2147483648.0;
    double hi = dt == DType::uint8 ? 255.0 : 2147483647.0;
    if (s < lo || s > hi) dt = DType::int64;
  }
  if (is_logical(op) && !s_is_int && dt != DType::float32) {
    // logical ops only test "nonzero": fold the float scalar to 0/1.
    s = s != 0.0 ? 1.0 : 0.0;
  }
  DType odt = cpu::binary_is_predicate(op) ? DType::bool_ : dt;
  return on_device(name, d, [&] {
    Tensor ca = astype(a, dt);
    Tensor out = Tensor::empty(a.shape(), odt);
    cpu::binary_scalar(op, dt, ca.raw(), s, reverse, out.raw(), a.numel());
    return out;
  });
}

std::pair<std::optional<Tensor>, std::optional<Tensor>> binary_backward(
    cpu::BinaryOp op, const Tensor& g, const Tensor& a, const Tensor& b, const Tensor& out) {
  using B = cpu::BinaryOp;
  // Composite: each op below dispatches on its own; one device check names this op.
  common_device("binary_backward", {{"g", g}, {"x1", a}, {"x2", b}, {"out", out}});
  check_float32(g, "binary_backward", "g");
  bool wa = a.dtype() == DType::float32, wb = b.dtype() == DType::float32;
  auto reduce = [](const Tensor& t, const Tensor& x) -> std::optional<Tensor> {
    return t.shape() == x.shape() ? t : sum_to_shape(t, x.shape());
  };
  auto neg = [](const Tensor& t) { return unary(cpu::UnaryOp::negative, t); };
  std::optional<Tensor> ga, gb;
  switch (op) {
    case B::add:
      if (wa) ga = reduce(g, a);
      if (wb) gb = reduce(g, b);
      break;
    case B::subtract:
      if (wa) ga = reduce(g, a);
      if (wb) gb = neg(*reduce(g, b));
      break;
    case B::multiply:
      if (wa) ga = reduce(binary(B::multiply, g, b), a);
      if (wb) gb = reduce(binary(B::multiply, g, a), b);
      break;
    case B::divide: {
      Tensor gd = binary(B::divide, g, b);
      if (wb) gb = reduce(neg(binary(B::multiply, gd, out)), b);
      if (wa) ga = reduce(gd, a);
      break;
    }
    case B::maximum:
    case B::minimum: {
      Tensor mask = binary(op == B::maximum ? B::greater_equal : B::less_equal, a, b);
      Tensor zero = Tensor::zeros({});
      if (wa) ga = reduce(where(mask, g, zero), a);
      if (wb) gb = reduce(where(mask, zero, g), b);
      break;
    }
    case B::power: {
      if (wa) {
        Tensor bm1 = binary_scalar(B::subtract, b, 1.0, false, false);
        ga = reduce(binary(B::multiply, binary(B::multiply, g, b), binary(B::power, a, bm1)), a);
      }
      if (wb) {
        // d a^b / db = a^b log(a), taken as 0 where a <= 0.
        Tensor pos = binary_scalar(B::greater, a, 0.0, false, false);
        Tensor t = binary(B::multiply, binary(B::multiply, g, out), unary(cpu::UnaryOp::log, a));
        gb = reduce(where(pos, t, Tensor::zeros({})), b);
      }
      break;
    }
    case B::mod:
      if (wa) ga = reduce(g, a);
      if (wb) gb = reduce(neg(binary(B::multiply, g, binary(B::floor_divide, a, b))), b);
      break;
    case B::arctan2: {
      // d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)
      Tensor gd = binary(B::divide, g,
                         binary(B::add, unary(cpu::UnaryOp::square, a),
                                unary(cpu::UnaryOp::square, b)));
      if (wa) ga = reduce(binary(B::multiply, gd, b), a);
      if (wb) gb = reduce(neg(binary(B::multiply, gd, a)), b);
      break;
    }
    default:
      break;
  }
  return {ga, gb};
}

Tensor unary(cpu::UnaryOp op, const Tensor& x) {
  using U = cpu::UnaryOp;
  const char* name = cpu::unary_name(op);
  PFF_CHECK(op >= U::negative && op < U::count, "[unary] unknown op code ",
            static_cast<int>(op), ".");
  Device d = common_device(name, {{"x", x}});
  DType dt = x.dtype();
  bool is_int = dt != DType::float32;
  DType odt = dt;
  switch (op) {
    case U::negative: case U::square: case U::abs: case U::sign:
      if (dt == DType::bool_) dt = odt = DType::int32;
      break;
    case U::round:
      // A new tensor: x may be a Variable.
      if (is_int) return on_device(name, d, [&] { return x.clone(); });
      break;
    case U::logical_not:
      odt = DType::bool_;
      break;
    case U::isnan: case U::isinf: case U::isfinite:
      odt = DType::bool_;
      if (is_int) {
        return on_device(name, d, [&] {
          Tensor out = Tensor::empty(x.shape(), DType::bool_);
          std::memset(out.raw(), op == U::isfinite ? 1 : 0, out.nbytes());
          return out;
        });
      }
      break;
    default:  // float functions
      dt = odt = DType::float32;
      break;
  }
  return on_device(name, d, [&] {
    Tensor cx = astype(x, dt);
    Tensor out = Tensor::empty(x.shape(), odt);
    cpu::unary(op, dt, cx.raw(), out.raw(), x.numel());
    return out;
  });
}

Tensor unary_backward(cpu::UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& out) {
  std::string name = std::string(cpu::unary_name(op)) + "_backward";
  Device d = common_device(name.c_str(), {{"g", g}, {"x", x}, {"out", out}});
  check_float32(g, name.c_str(), "g");
  PFF_CHECK(g.shape() == x.shape(), "[", name, "] g has shape ", shape_str(g.shape()),
            ", expected ", shape_str(x.shape()), ".");
  return on_device(name.c_str(), d, [&] {
    Tensor cx = astype(x, DType::float32);
    Tensor co = out.defined() && out.numel() == x.numel() ? astype(out, DType::float32) : cx;
    Tensor dx = Tensor::empty(x.shape());
    cpu::unary_backward(op, g.f32(), cx.f32(), co.f32(), dx.f32(), x.numel());
    return dx;
  });
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  Device d = common_device("where", {{"condition", cond}, {"x1", a}, {"x2", b}});
  DType dt = promote_types(a.dtype(), b.dtype());
  Shape os = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(),
                              "where");
  return on_device("where", d, [&] {
    Tensor ca = astype(a, dt), cb = astype(b, dt), cc = astype(cond, DType::bool_);
    Tensor out = Tensor::empty(os, dt);
    cpu::Plan plan = cpu::make_plan(os, {&cond.shape(), &a.shape(), &b.shape()});
    cpu::where(dt, cc.data<uint8_t>(), ca.raw(), cb.raw(), out.raw(), plan);
    return out;
  });
}

Tensor clip(const Tensor& x, double lo, double hi) {
  Device d = common_device("clip", {{"x", x}});
  DType dt = x.dtype() == DType::bool_ ? DType::int32 : x.dtype();
  return on_device("clip", d, [&] {
    Tensor cx = astype(x, dt);
    Tensor out = Tensor::empty(x.shape(), dt);
    cpu::clip(dt, cx.raw(), lo, hi, out.raw(), x.numel());
    return out;
  });
}

Tensor clip_backward(const Tensor& g, const Tensor& x, double lo, double hi) {
  Device d = common_device("clip_backward", {{"g", g}, {"x", x}});
  check_float32(g, "clip_backward", "g");
  PFF_CHECK(g.shape() == x.shape(), "[clip_backward] g has shape ", shape_str(g.shape()),
            ", expected ", shape_str(x.shape()), ".");
  return on_device("clip_backward", d, [&] {
    Tensor cx = astype(x, DType::float32);
    Tensor dx = Tensor::empty(x.shape());
    cpu::clip_backward(g.f32(), cx.f32(), lo, hi, dx.f32(), x.numel());
    return dx;
  });
}

Tensor nan_to_num(const Tensor& x, double nan, double posinf, double neginf) {
  return on_device("nan_to_num", x.device(), [&] {
    if (x.dtype() != DType::float32) return x.clone();
    Tensor out = Tensor::empty(x.shape());
    cpu::nan_to_num(x.f32(), static_cast<float>(nan), static_cast<float>(posinf),
                    static_cast<float>(neginf), out.f32(), x.numel());
    return out;
  });
}

Tensor sum_to_shape(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  check_float32(g, "sum_to_shape", "g");
  size_t gn = g.shape().size();
  bool ok = shape.size() <= gn;
  for (size_t i = 0; ok && i < shape.size(); ++i) {
    int64_t d = shape[shape.size() - 1 - i];
    ok = d == 1 || d == g.shape()[gn - 1 - i];
  }
  PFF_CHECK(ok, "[sum_to_shape] cannot sum a gradient of shape ", shape_str(g.shape()),
            " down to shape ", shape_str(shape), ".");
  return on_device("sum_to_shape", g.device(), [&] {
    Tensor out = Tensor::zeros(shape);
    cpu::Plan plan = cpu::make_plan(g.shape(), {&shape});
    cpu::sum_to(g.f32(), out.f32(), plan);
    return out;
  });
}

}  // namespace pyfastfit
