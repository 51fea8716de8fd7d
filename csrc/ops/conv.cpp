// Convolutions: argument checks, output allocation, dispatch to cpu::.
#include "ops/conv.h"

#include "core/device.h"
#include "cpu/conv.h"
#include "cpu/conv_winograd.h"
#include "ops/spatial_args.h"

namespace pyfastfit {
namespace {

int64_t spatial_rank(const Tensor& x, const Tensor& kernel, const char* op) {
  check_float32(x, op, "inputs");
  check_float32(kernel, op, "kernel");
  PFF_CHECK(x.ndim() >= 3 && x.ndim() <= 5, "[", op,
            "] inputs must be 3-D (batch, width, channels), 4-D (batch, height, width, "
            "channels) or 5-D (batch, depth, height, width, channels), got shape ",
            shape_str(x.shape()), ".");
  PFF_CHECK(kernel.ndim() == x.ndim(), "[", op, "] kernel must have rank ", x.ndim(),
            " for inputs of shape ", shape_str(x.shape()), ", got shape ",
            shape_str(kernel.shape()), ".");
  for (int64_t d : kernel.shape())
    PFF_CHECK(d >= 1, "[", op, "] kernel dims must be positive, got shape ",
              shape_str(kernel.shape()), ".");
  return x.ndim() - 2;
}

/** Output size along one dim, or a ValueError when the (dilated) kernel does not fit. */
int64_t out_len(int64_t L, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                const char* op, const Shape& xs, const Shape& ks) {
  int64_t keff = (k - 1) * d + 1;
  PFF_CHECK(keff <= L + pb + pe, "[", op, "] the kernel (effective size ", keff,
            " with dilation ", d, ") is larger than the padded input (size ", L, " + padding ",
            pb + pe, "); inputs shape ", shape_str(xs), ", kernel shape ", shape_str(ks), ".");
  return (L + pb + pe - keff) / s + 1;
}

/** The geometry of conv(x, kernel) with explicit pads. */
cpu::ConvGeom conv_geom(const Tensor& x, const Tensor& kernel, const Shape& strides,
                        const Shape& pb, const Shape& pe, const Shape& dil, const char* op) {
  int64_t S = spatial_rank(x, kernel, op);
  cpu::ConvGeom g{};
  int64_t pbd, pbh, pbw, ped, peh, pew;
  lift3(strides, S, 1, 1, op, "strides", g.sd, g.sh, g.sw);
  lift3(dil, S, 1, 1, op, "dilation_rate", g.dd, g.dh, g.dw);
  lift3(pb, S, 0, 0, op, "padding", pbd, pbh, pbw);
  lift3(pe, S, 0, 0, op, "padding", ped, peh, pew);
  g.N = x.dim(0);
  g.D = S == 3 ? x.dim(1) : 1;
  g.H = S >= 2 ? x.dim(-3) : 1;
  g.W = x.dim(-2);
  g.C = x.dim(-1);
  g.KD = S == 3 ? kernel.dim(0) : 1;
  g.KH = S >= 2 ? kernel.dim(-4) : 1;
  g.KW = kernel.dim(-3);
  int64_t cg = kernel.dim(-2);
  g.O = kernel.dim(-1);
  PFF_CHECK(g.C >= 1 && g.C % cg == 0, "[", op, "] inputs have ", g.C,
            " channels, which is not a multiple of the kernel's input channels ", cg,
            " (kernel.shape[-2]); inputs shape ", shape_str(x.shape()), ", kernel shape ",
            shape_str(kernel.shape()), ".");
  g.groups = g.C / cg;
  PFF_CHECK(g.O % g.groups == 0, "[", op, "] the kernel's output channels ", g.O,
            " must be a multiple of groups=", g.groups, " (inputs channels ", g.C,
            " / kernel.shape[-2] ", cg, ").");
  g.pf = pbd;
  g.pt = pbh;
  g.pl = pbw;
  if (S == 3) g.OD = out_len(g.D, g.KD, g.sd, g.dd, pbd, ped, op, x.shape(), kernel.shape());
  g.OH = out_len(g.H, g.KH, g.sh, g.dh, pbh, peh, op, x.shape(), kernel.shape());
  g.OW = out_len(g.W, g.KW, g.sw, g.dw, pbw, pew, op, x.shape(), kernel.shape());
  return g;
}

Shape out_shape(const cpu::ConvGeom& g, int64_t S) {
  if (S == 3) return Shape{g.N, g.OD, g.OH, g.OW, g.O};
  return S == 2 ? Shape{g.N, g.OH, g.OW, g.O} : Shape{g.N, g.OW, g.O};
}

/** The geometry of the convolution whose input gradient conv_transpose(x, kernel) is:
 *  its input is the transposed conv's output (output_spatial, kernel.shape[-2] channels)
 *  and its output has x's spatial shape and kernel.shape[-1] = x's channels. */
cpu::ConvGeom transpose_geom(const Tensor& x, const Tensor& kernel, const Shape& out_sp,
                             const Shape& strides, const Shape& pb, const Shape& dil,
                             const char* op) {
  int64_t S = spatial_rank(x, kernel, op);
  PFF_CHECK(kernel.dim(-1) == x.dim(-1), "[", op, "] kernel.shape[-1] must equal the inputs' ",
            "channels ", x.dim(-1), "; inputs shape ", shape_str(x.shape()),
            ", kernel shape ", shape_str(kernel.shape()), ".");
  cpu::ConvGeom g{};
  lift3(strides, S, 1, 1, op, "strides", g.sd, g.sh, g.sw);
  lift3(dil, S, 1, 1, op, "dilation_rate", g.dd, g.dh, g.dw);
  lift3(pb, S, 0, 0, op, "padding", g.pf, g.pt, g.pl);
  lift3(out_sp, S, 1, 1, op, "output shape", g.D, g.H, g.W);
  g.N = x.dim(0);
  g.OD = S == 3 ? x.dim(1) : 1;
  g.OH = S >= 2 ? x.dim(-3) : 1;
  g.OW = x.dim(-2);
  g.KD = S == 3 ? kernel.dim(0) : 1;
  g.KH = S >= 2 ? kernel.dim(-4) : 1;
  g.KW = kernel.dim(-3);
  g.C = kernel.dim(-2);
  g.O = kernel.dim(-1);
  g.groups = 1;
  PFF_CHECK(g.OD >= 1 && g.OH >= 1 && g.OW >= 1, "[", op, "] inputs must have positive ",
            "spatial dims, got ", shape_str(x.shape()), ".");
  return g;
}

/** The (dx, dkernel) pair of a backward pass, dx of x's shape and dkernel of kernel's,
 *  each computed (by fill_dx / fill_dk into its buffer) only when asked for. */
template <typename Dx, typename Dk>
std::tuple<Tensor, Tensor> grads(const Tensor& x, const Tensor& kernel, bool need_dx,
                                 bool need_dkernel, Dx&& fill_dx, Dk&& fill_dk) {
  Tensor dx, dk;
  if (need_dx) {
    dx = Tensor::empty(x.shape());
    fill_dx(dx.f32());
  }
  if (need_dkernel) {
    dk = Tensor::empty(kernel.shape());
    fill_dk(dk.f32());
  }
  return {dx, dk};
}

}  // namespace

Tensor conv_forward(const Tensor& x, const Tensor& kernel, const Shape& strides,
                    const Shape& pad_begin, const Shape& pad_end, const Shape& dilation) {
  Device d = common_device("conv", {{"inputs", x}, {"kernel", kernel}});
  cpu::ConvGeom g = conv_geom(x, kernel, strides, pad_begin, pad_end, dilation, "conv");
  return on_device("conv", d, [&] {
    Tensor out = Tensor::empty(out_shape(g, x.ndim() - 2));
    cpu::conv_forward(x.f32(), kernel.f32(), out.f32(), g);
    return out;
  });
}

std::tuple<Tensor, Tensor> conv_backward(const Tensor& dout, const Tensor& x,
                                         const Tensor& kernel, const Shape& strides,
                                         const Shape& pad_begin, const Shape& pad_end,
                                         const Shape& dilation, bool need_dx,
                                         bool need_dkernel) {
  const char* op = "conv_backward";
  Device d = common_device(op, {{"dout", dout}, {"inputs", x}, {"kernel", kernel}});
  cpu::ConvGeom g = conv_geom(x, kernel, strides, pad_begin, pad_end, dilation, op);
  check_float32(dout, op, "dout");
  PFF_CHECK(dout.shape() == out_shape(g, x.ndim() - 2), "[", op, "] dout has shape ",
            shape_str(dout.shape()), " but the convolution's output has shape ",
            shape_str(out_shape(g, x.ndim() - 2)), ".");
  return on_device(op, d, [&] {
    return grads(
        x, kernel, need_dx, need_dkernel,
        [&](float* dx) { cpu::conv_backward_input(dout.f32(), kernel.f32(), dx, g); },
        [&](float* dk) { cpu::conv_backward_kernel(dout.f32(), x.f32(), dk, g); });
  });
}

std::tuple<Tensor, Tensor> conv_forward_fused(const Tensor& x, const Tensor& kernel,
                                              const std::optional<Tensor>& bias,
                                              const std::string& activation, float alpha,
                                              const Shape& strides, const Shape& pad_begin,
                                              const Shape& pad_end, const Shape& dilation) {
  const char* op = "conv_fused";
  Device d = common_device(op, {{"inputs", x}, {"kernel", kernel}, {"bias", bias}});
  cpu::ConvGeom g = conv_geom(x, kernel, strides, pad_begin, pad_end, dilation, op);
  Activation act = parse_activation(activation);
  if (bias) {
    check_float32(*bias, op, "bias");
    PFF_CHECK(bias->shape() == Shape{g.O}, "[", op, "] bias must have shape (", g.O,
              ",) (the kernel's output channels), got shape ", shape_str(bias->shape()), ".");
  }
  Shape os = out_shape(g, x.ndim() - 2);
  return on_device(op, d, [&] {
    Tensor out = Tensor::empty(os);
    Tensor z = activation_backward_needs_input(act) ? Tensor::empty(os) : Tensor();
    cpu::conv_forward_fused(x.f32(), kernel.f32(), bias ? bias->f32() : nullptr, act, alpha,
                            z.numel() ? z.f32() : nullptr, out.f32(), g);
    return std::tuple<Tensor, Tensor>{out, z};
  });
}

std::tuple<Tensor, Tensor, Tensor> conv_backward_fused(
    const Tensor& dout, const Tensor& x, const Tensor& kernel, const Tensor& z,
    const Tensor& out, const std::string& activation, float alpha, const Shape& strides,
    const Shape& pad_begin, const Shape& pad_end, const Shape& dilation, bool need_dx,
    bool need_dkernel, bool need_dbias) {
  const char* op = "conv_fused_backward";
  Device d = common_device(op, {{"dout", dout}, {"inputs", x}, {"kernel", kernel},
                                {"z", z}, {"out", out}});
  cpu::ConvGeom g = conv_geom(x, kernel, strides, pad_begin, pad_end, dilation, op);
  Activation act = parse_activation(activation);
  Shape os = out_shape(g, x.ndim() - 2);
  check_float32(dout, op, "dout");
  check_float32(out, op, "out");
  PFF_CHECK(dout.shape() == os && out.shape() == os, "[", op, "] dout and out must have the ",
            "convolution's output shape ", shape_str(os), ", got ", shape_str(dout.shape()),
            " and ", shape_str(out.shape()), ".");
  const bool needs_z = activation_backward_needs_input(act);
  if (needs_z) {
    check_float32(z, op, "z");
    PFF_CHECK(z.shape() == os, "[", op, "] z (the pre-activation) must have shape ",
              shape_str(os), ", got ", shape_str(z.shape()), ".");
  }
  using Grads = std::tuple<Tensor, Tensor, Tensor>;
  return on_device(op, d, [&]() -> Grads {
    Tensor db = need_dbias ? Tensor::empty({g.O}) : Tensor();
    const float* zp = needs_z ? z.f32() : nullptr;
    if (!need_dx && need_dkernel) {  // a first layer: dz need not exist as a tensor
      Tensor dk = Tensor::empty(kernel.shape());
      cpu::conv_backward_kernel_fused(act, alpha, dout.f32(), zp, out.f32(), x.f32(),
                                      dk.f32(), need_dbias ? db.f32() : nullptr, g);
      return {Tensor(), dk, db};
    }
    // dz is dout itself for a linear activation (nothing to multiply).
    Tensor dz = act == Activation::linear ? dout : Tensor::empty(os);
    cpu::conv_epilogue_backward(act, alpha, dout.f32(), zp, out.f32(), dz.f32(),
                                need_dbias ? db.f32() : nullptr, g.N * g.positions(), g.O);
    auto [dx, dk] = grads(
        x, kernel, need_dx, need_dkernel,
        [&](float* p) { cpu::conv_backward_input(dz.f32(), kernel.f32(), p, g); },
        [&](float* p) { cpu::conv_backward_kernel(dz.f32(), x.f32(), p, g); });
    return {dx, dk, db};
  });
}

Tensor conv_transpose_forward(const Tensor& x, const Tensor& kernel,
                              const Shape& output_spatial, const Shape& strides,
                              const Shape& pad_begin, const Shape& dilation) {
  Device d = common_device("conv_transpose", {{"inputs", x}, {"kernel", kernel}});
  cpu::ConvGeom g =
      transpose_geom(x, kernel, output_spatial, strides, pad_begin, dilation, "conv_transpose");
  Shape os = x.ndim() == 5   ? Shape{g.N, g.D, g.H, g.W, g.C}
             : x.ndim() == 4 ? Shape{g.N, g.H, g.W, g.C}
                             : Shape{g.N, g.W, g.C};
  return on_device("conv_transpose", d, [&] {
    Tensor out = Tensor::empty(os);
    cpu::conv_backward_input(x.f32(), kernel.f32(), out.f32(), g);
    return out;
  });
}

std::tuple<Tensor, Tensor> conv_transpose_backward(const Tensor& dout, const Tensor& x,
                                                   const Tensor& kernel,
                                                   const Shape& strides,
                                                   const Shape& pad_begin,
                                                   const Shape& dilation, bool need_dx,
                                                   bool need_dkernel) {
  const char* op = "conv_transpose_backward";
  Device d = common_device(op, {{"dout", dout}, {"inputs", x}, {"kernel", kernel}});
  check_float32(dout, op, "dout");
  PFF_CHECK(dout.ndim() == x.ndim() && dout.dim(0) == x.dim(0) &&
                dout.dim(-1) == kernel.dim(-2),
            "[", op, "] dout of shape ", shape_str(dout.shape()),
            " does not match inputs of shape ", shape_str(x.shape()), " and kernel of shape ",
            shape_str(kernel.shape()), ".");
  Shape sp(dout.shape().begin() + 1, dout.shape().end() - 1);
  cpu::ConvGeom g = transpose_geom(x, kernel, sp, strides, pad_begin, dilation, op);
  // dkernel is the kernel gradient of the underlying convolution, whose input is dout and
  // whose output gradient is x.
  return on_device(op, d, [&] {
    return grads(
        x, kernel, need_dx, need_dkernel,
        [&](float* dx) { cpu::conv_forward(dout.f32(), kernel.f32(), dx, g); },
        [&](float* dk) { cpu::conv_backward_kernel(x.f32(), dout.f32(), dk, g); });
  });
}

bool set_conv_winograd(bool enabled) { return cpu::set_winograd_enabled(enabled); }

}  // namespace pyfastfit
