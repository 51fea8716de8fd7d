// Pooling: argument checks, output allocation, dispatch to cpu::.
#include "ops/pool.h"

#include <climits>

#include "core/device.h"
#include "cpu/pool.h"
#include "ops/spatial_args.h"

namespace pyfastfit {
namespace {

cpu::PoolGeom pool_geom(const Shape& xs, const Shape& pool, const Shape& strides,
                        const Shape& pb, const Shape& pe, const char* op) {
  PFF_CHECK(xs.size() >= 3 && xs.size() <= 5, "[", op,
            "] inputs must be 3-D (batch, width, channels), 4-D (batch, height, width, "
            "channels) or 5-D (batch, depth, height, width, channels), got shape ",
            shape_str(xs), ".");
  int64_t S = static_cast<int64_t>(xs.size()) - 2;
  cpu::PoolGeom g{};
  int64_t ped, peh, pew;
  lift3(pool, S, 1, 1, op, "pool_size", g.KD, g.KH, g.KW);
  lift3(strides, S, 1, 1, op, "strides", g.sd, g.sh, g.sw);
  lift3(pb, S, 0, 0, op, "padding", g.pf, g.pt, g.pl);
  lift3(pe, S, 0, 0, op, "padding", ped, peh, pew);
  g.N = xs[0];
  g.D = S == 3 ? xs[1] : 1;
  g.H = S >= 2 ? xs[S - 1] : 1;
  g.W = xs[S];
  g.C = xs.back();
  PFF_CHECK(g.D * g.H * g.W <= INT32_MAX, "[", op, "] spatial size ", g.D * g.H * g.W,
            " exceeds the int32 index range.");
  PFF_CHECK(g.KD <= g.D + g.pf + ped && g.KH <= g.H + g.pt + peh && g.KW <= g.W + g.pl + pew,
            "[", op, "] pool_size ", shape_str(pool),
            " is larger than the padded input; inputs shape ", shape_str(xs), ".");
  // Every window must hold an input position, else its max/mean is undefined.
  PFF_CHECK(g.pf < g.KD && ped < g.KD && g.pt < g.KH && g.pl < g.KW && peh < g.KH &&
                pew < g.KW,
            "[", op, "] padding must be smaller than pool_size, got pool_size ",
            shape_str(pool), " with padding ", shape_str(pb), " / ", shape_str(pe), ".");
  g.OD = (g.D + g.pf + ped - g.KD) / g.sd + 1;
  g.OH = (g.H + g.pt + peh - g.KH) / g.sh + 1;
  g.OW = (g.W + g.pl + pew - g.KW) / g.sw + 1;
  return g;
}

Shape out_shape(const cpu::PoolGeom& g, size_t rank) {
  if (rank == 5) return Shape{g.N, g.OD, g.OH, g.OW, g.C};
  return rank == 4 ? Shape{g.N, g.OH, g.OW, g.C} : Shape{g.N, g.OW, g.C};
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool_forward(const Tensor& x, const Shape& pool_size,
                                            const Shape& strides, const Shape& pad_begin,
                                            const Shape& pad_end) {
  Device d = common_device("max_pool", {{"inputs", x}});
  check_float32(x, "max_pool", "inputs");
  cpu::PoolGeom g = pool_geom(x.shape(), pool_size, strides, pad_begin, pad_end, "max_pool");
  Shape os = out_shape(g, x.shape().size());
  return on_device("max_pool", d, [&] {
    Tensor out = Tensor::empty(os), idx = Tensor::empty(os, DType::int32);
    cpu::max_pool_forward(x.f32(), out.f32(), idx.data<int32_t>(), g);
    return std::tuple<Tensor, Tensor>{out, idx};
  });
}

Tensor max_pool_backward(const Tensor& dout, const Tensor& argmax, const Shape& x_shape,
                         const Shape& pool_size, const Shape& strides, const Shape& pad_begin,
                         const Shape& pad_end) {
  const char* op = "max_pool_backward";
  Device d = common_device(op, {{"dout", dout}, {"argmax", argmax}});
  check_float32(dout, op, "dout");
  PFF_CHECK(argmax.dtype() == DType::int32 && argmax.shape() == dout.shape(), "[", op,
            "] argmax must be int32 of dout's shape ", shape_str(dout.shape()), ", got ",
            dtype_name(argmax.dtype()), " ", shape_str(argmax.shape()), ".");
  PFF_CHECK(x_shape.size() == dout.shape().size() && x_shape.size() >= 3 && x_shape.size() <= 5 &&
                x_shape[0] == dout.dim(0) && x_shape.back() == dout.dim(-1),
            "[", op, "] x_shape ", shape_str(x_shape), " does not match dout of shape ",
            shape_str(dout.shape()), ".");
  cpu::PoolGeom g{};
  const bool deep = x_shape.size() == 5;
  g.N = x_shape[0];
  g.D = deep ? x_shape[1] : 1;
  g.H = x_shape.size() >= 4 ? x_shape[x_shape.size() - 3] : 1;
  g.W = x_shape[x_shape.size() - 2];
  g.C = x_shape.back();
  g.OD = deep ? dout.dim(1) : 1;
  g.OH = dout.ndim() >= 4 ? dout.dim(-3) : 1;
  g.OW = dout.dim(-2);
  if (!pool_size.empty()) {  // the windows too (same spatial sizes, checked)
    cpu::PoolGeom w = pool_geom(x_shape, pool_size, strides, pad_begin, pad_end, op);
    PFF_CHECK(w.OD == g.OD && w.OH == g.OH && w.OW == g.OW, "[", op, "] dout of shape ",
              shape_str(dout.shape()), " is not the pooling's output for x_shape ",
              shape_str(x_shape), ".");
    g = w;
  }
  return on_device(op, d, [&] {
    // Indices come from max_pool_forward, but a bad one must not write outside dx.
    const int32_t* id = argmax.data<int32_t>();
    for (int64_t i = 0, n = argmax.numel(); i < n; ++i)
      PFF_CHECK(id[i] >= -1 && id[i] < g.D * g.H * g.W, "[", op, "] argmax entry ", id[i],
                " is outside the input's ", g.D * g.H * g.W, " spatial positions.");
    Tensor dx = Tensor::empty(x_shape);
    cpu::max_pool_backward(dout.f32(), id, dx.f32(), g);
    return dx;
  });
}

Tensor average_pool_forward(const Tensor& x, const Shape& pool_size, const Shape& strides,
                            const Shape& pad_begin, const Shape& pad_end) {
  Device d = common_device("average_pool", {{"inputs", x}});
  check_float32(x, "average_pool", "inputs");
  cpu::PoolGeom g =
      pool_geom(x.shape(), pool_size, strides, pad_begin, pad_end, "average_pool");
  return on_device("average_pool", d, [&] {
    Tensor out = Tensor::empty(out_shape(g, x.shape().size()));
    cpu::average_pool_forward(x.f32(), out.f32(), g);
    return out;
  });
}

Tensor average_pool_backward(const Tensor& dout, const Shape& x_shape, const Shape& pool_size,
                             const Shape& strides, const Shape& pad_begin,
                             const Shape& pad_end) {
  const char* op = "average_pool_backward";
  Device d = common_device(op, {{"dout", dout}});
  check_float32(dout, op, "dout");
  cpu::PoolGeom g = pool_geom(x_shape, pool_size, strides, pad_begin, pad_end, op);
  PFF_CHECK(dout.shape() == out_shape(g, x_shape.size()), "[", op, "] dout has shape ",
            shape_str(dout.shape()), " but the pooling's output has shape ",
            shape_str(out_shape(g, x_shape.size())), ".");
  return on_device(op, d, [&] {
    Tensor dx = Tensor::empty(x_shape);
    cpu::average_pool_backward(dout.f32(), dx.f32(), g);
    return dx;
  });
}

Tensor masked_mean_pool_forward(const Tensor& x, const Tensor& mask) {
  const char* op = "masked_mean_pool";
  Device dev = common_device(op, {{"x", x}, {"mask", mask}});
  check_float32(x, op, "x");
  check_float32(mask, op, "mask");
  PFF_CHECK(x.ndim() == 3 && mask.ndim() == 2 && mask.dim(0) == x.dim(0) &&
                mask.dim(1) == x.dim(1),
            "[", op, "] x must be (batch, steps, channels) and mask (batch, steps), got ",
            "shapes ", shape_str(x.shape()), " and ", shape_str(mask.shape()), ".");
  return on_device(op, dev, [&] {
    Tensor y = Tensor::empty({x.dim(0), x.dim(2)});
    cpu::masked_mean_pool_forward(x.f32(), mask.f32(), x.dim(0), x.dim(1), x.dim(2),
                                  y.f32());
    return y;
  });
}

Tensor masked_mean_pool_backward(const Tensor& dy, const Tensor& mask) {
  const char* op = "masked_mean_pool_backward";
  Device dev = common_device(op, {{"dy", dy}, {"mask", mask}});
  check_float32(dy, op, "dy");
  check_float32(mask, op, "mask");
  PFF_CHECK(dy.ndim() == 2 && mask.ndim() == 2 && mask.dim(0) == dy.dim(0), "[", op,
            "] dy must be (batch, channels) and mask (batch, steps), got shapes ",
            shape_str(dy.shape()), " and ", shape_str(mask.shape()), ".");
  return on_device(op, dev, [&] {
    Tensor dx = Tensor::empty({dy.dim(0), mask.dim(1), dy.dim(1)});
    cpu::masked_mean_pool_backward(dy.f32(), mask.f32(), dy.dim(0), mask.dim(1), dy.dim(1),
                                   dx.f32());
    return dx;
  });
}

}  // namespace pyfastfit
