// Reductions: axis handling, dtype rules, dispatch to cpu::reduce_*.
#include "ops/reduce.h"

#include <algorithm>

#include "core/device.h"
#include "cpu/reduce.h"
#include "cpu/shape.h"
#include "ops/shape.h"

namespace pyfastfit {
namespace {

struct Plan {
  bool permute = false;
  std::vector<int64_t> perm;
  int64_t outer = 1, r = 1, inner = 1;
  Shape out_shape, keep_shape;
};

Plan plan(const Shape& s, const std::vector<int64_t>& axes, const char* op) {
  const int nd = static_cast<int>(s.size());
  std::vector<bool> red(nd, false);
  for (auto a : axes) {
    PFF_CHECK(a >= 0 && a < nd, "[", op, "] axis ", a, " is out of bounds for a tensor of rank ",
              nd, ".");
    PFF_CHECK(!red[a], "[", op, "] repeated axis ", a, ".");
    red[a] = true;
  }
  Plan p;
  // Reduced dims (ignoring size-1 ones) must form one block for the direct view.
  int first = -1, last = -1;
  bool gap = false;
  for (int d = 0; d < nd; ++d) {
    if (s[d] == 1 || !red[d]) continue;
    if (first < 0) first = d;
    else for (int k = last + 1; k < d; ++k) gap |= (!red[k] && s[k] != 1);
    last = d;
  }
  for (int d = 0; d < nd; ++d) {
    if (red[d]) {
      p.r *= s[d];
      p.keep_shape.push_back(1);
    } else {
      p.out_shape.push_back(s[d]);
      p.keep_shape.push_back(s[d]);
    }
  }
  if (gap) {
    p.permute = true;
    for (int d = 0; d < nd; ++d) if (!red[d]) p.perm.push_back(d);
    for (int d = 0; d < nd; ++d) if (red[d]) p.perm.push_back(d);
    p.outer = numel_of(p.out_shape);
    p.inner = 1;
  } else {
    for (int d = 0; d < nd; ++d) {
      if (red[d]) continue;
      if (first < 0 || d < first) p.outer *= s[d];
      else p.inner *= s[d];
    }
  }
  return p;
}

}  // namespace

Tensor reduce(const Tensor& x, const std::vector<int64_t>& axes, const std::string& op,
              bool keepdims, int64_t ddof) {
  Device d = common_device(op.c_str(), {{"x", x}});
  auto kind = parse_reduce(op);
  Plan p = plan(x.shape(), axes, op.c_str());
  const Shape& os = keepdims ? p.keep_shape : p.out_shape;
  if ((kind == Reduce::max || kind == Reduce::min) && p.outer * p.inner > 0)
    PFF_CHECK(p.r > 0, "[", op, "] cannot reduce over an empty axis (a zero-size reduction has "
              "no identity); got a tensor of shape ", shape_str(x.shape()), ".");
  bool int_op = kind == Reduce::sum || kind == Reduce::prod ||
                kind == Reduce::max || kind == Reduce::min;
  if (x.dtype() != DType::float32 && !int_op)
    return on_device(op.c_str(), d, [&] {
      return reduce(cast(x, "float32"), axes, op, keepdims, ddof);
    });
  return on_device(op.c_str(), d, [&] {
    Tensor src = p.permute ? transpose(x, p.perm) : x;
    if (x.dtype() == DType::float32) {
      Tensor out = Tensor::empty(os);
      cpu::reduce_f32(kind, src.f32(), out.f32(), p.outer, p.r, p.inner, ddof);
      return out;
    }
    Tensor wide = cast(src, "int64");
    Tensor out = Tensor::empty(os, DType::int64);
    cpu::reduce_i64(kind, wide.data<int64_t>(), out.data<int64_t>(), p.outer, p.r, p.inner);
    // Sums and products of small ints are int32 (as Keras); max/min keep the dtype.
    DType dt = x.dtype();
    if (dt == DType::bool_ || dt == DType::uint8)
      dt = (kind == Reduce::sum || kind == Reduce::prod) ? DType::int32 : dt;
    return cast(out, dtype_name(dt));
  });
}

Tensor reduce_backward(const Tensor& g, const Tensor& x, const Tensor& out,
                       const std::vector<int64_t>& axes, const std::string& op, int64_t ddof) {
  Device d = common_device("reduce_backward", {{"g", g}, {"x", x}, {"out", out}});
  check_float32(g, "reduce_backward", "g");
  check_float32(x, "reduce_backward", "x");
  auto kind = parse_reduce(op);
  Plan p = plan(x.shape(), axes, op.c_str());
  PFF_CHECK(g.numel() == p.outer * p.inner && out.numel() == g.numel(),
            "[", op, "_backward] g has shape ", shape_str(g.shape()), ", expected ",
            shape_str(p.out_shape), ".");
  return on_device("reduce_backward", d, [&] {
    Tensor src = p.permute ? transpose(x, p.perm) : x;
    Tensor dx = Tensor::empty(src.shape());
    cpu::reduce_f32_backward(kind, g.f32(), src.f32(), out.f32(), dx.f32(), p.outer, p.r,
                             p.inner, ddof);
    if (!p.permute) return dx;
    std::vector<int64_t> inv(p.perm.size());
    for (size_t i = 0; i < p.perm.size(); ++i) inv[p.perm[i]] = static_cast<int64_t>(i);
    return transpose(dx, inv);
  });
}

Tensor reduce_any_all(const Tensor& x, const std::vector<int64_t>& axes, bool any,
                      bool keepdims) {
  const char* op = any ? "any" : "all";
  Device d = common_device(op, {{"x", x}});
  Plan p = plan(x.shape(), axes, op);
  return on_device(op, d, [&] {
    Tensor b = cast(x, "bool");
    Tensor src = p.permute ? transpose(b, p.perm) : b;
    Tensor out = Tensor::empty(keepdims ? p.keep_shape : p.out_shape, DType::bool_);
    cpu::reduce_bool(any, src.data<uint8_t>(), out.data<uint8_t>(), p.outer, p.r, p.inner);
    return out;
  });
}

Tensor argreduce(const Tensor& x, int64_t axis, bool is_max, bool keepdims) {
  const char* op = is_max ? "argmax" : "argmin";
  Device d = common_device(op, {{"x", x}});
  if (axis < 0) {
    PFF_CHECK(x.numel() > 0, "[", op, "] attempt to get ", op, " of an empty tensor.");
    return on_device(op, d, [&] {
      Tensor f = x.dtype() == DType::float32 ? x : cast(x, "float32");
      Tensor out = Tensor::empty(keepdims ? Shape(x.ndim(), 1) : Shape{}, DType::int64);
      cpu::argreduce_f32(is_max, f.f32(), out.data<int64_t>(), 1, f.numel(), 1);
      return out;
    });
  }
  Plan p = plan(x.shape(), {axis}, op);
  PFF_CHECK(p.r > 0 || p.outer * p.inner == 0, "[", op, "] attempt to get ", op,
            " of an empty axis.");
  return on_device(op, d, [&] {
    Tensor f = x.dtype() == DType::float32 ? x : cast(x, "float32");
    Tensor out = Tensor::empty(keepdims ? p.keep_shape : p.out_shape, DType::int64);
    if (out.numel())
      cpu::argreduce_f32(is_max, f.f32(), out.data<int64_t>(), p.outer, p.r, p.inner);
    return out;
  });
}

Tensor cumulative(const Tensor& x, int64_t axis, bool prod, bool reverse) {
  const char* op = prod ? "cumprod" : "cumsum";
  Device d = common_device(op, {{"x", x}});
  check_float32(x, op, "x");
  Plan p = plan(x.shape(), {axis}, op);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(x.shape());
    if (out.numel())
      cpu::cumulative_f32(prod, reverse, x.f32(), out.f32(), p.outer, p.r, p.inner);
    return out;
  });
}

}  // namespace pyfastfit
