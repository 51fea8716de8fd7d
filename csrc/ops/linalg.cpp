// matmul and dense: argument checks, output allocation, dispatch to cpu::.
#include "ops/linalg.h"

#include "core/device.h"
#include "cpu/dense.h"
#include "cpu/gemm.h"

namespace pyfastfit {

Tensor matmul(const Tensor& a, const Tensor& b, bool ta, bool tb) {
  Device d = common_device("matmul", {{"a", a}, {"b", b}});
  check_float32(a, "matmul", "a");
  check_float32(b, "matmul", "b");
  PFF_CHECK(a.ndim() >= 2 && b.ndim() >= 2, "[matmul] expects a and b with at least 2 dims, got ",
            shape_str(a.shape()), " and ", shape_str(b.shape()), ".");
  int64_t M = ta ? a.dim(-1) : a.dim(-2), K = ta ? a.dim(-2) : a.dim(-1);
  int64_t Kb = tb ? b.dim(-1) : b.dim(-2), N = tb ? b.dim(-2) : b.dim(-1);
  PFF_CHECK(K == Kb, "[matmul] incompatible shapes ", shape_str(a.shape()), " and ",
            shape_str(b.shape()), ": contraction sizes ", K, " and ", Kb, " differ.");
  int64_t lda = a.dim(-1), ldb = b.dim(-1);
  if (b.ndim() == 2 && !ta) {
    // Fold a's batch dims into M: one GEMM.
    Shape os(a.shape().begin(), a.shape().end() - 1);
    os.push_back(N);
    int64_t rows = a.numel() / std::max<int64_t>(K, 1);
    if (K == 0) rows = numel_of(Shape(a.shape().begin(), a.shape().end() - 1));
    return on_device("matmul", d, [&] {
      Tensor out = Tensor::empty(os);
      cpu::gemm(false, tb, rows, N, K, 1.f, a.f32(), lda, b.f32(), ldb, 0.f, out.f32(), N);
      return out;
    });
  }
  PFF_CHECK(a.ndim() == b.ndim() &&
                Shape(a.shape().begin(), a.shape().end() - 2) ==
                    Shape(b.shape().begin(), b.shape().end() - 2),
            "[matmul] batch dimensions of ", shape_str(a.shape()), " and ",
            shape_str(b.shape()), " must match.");
  Shape os(a.shape().begin(), a.shape().end() - 2);
  int64_t batch = numel_of(os);
  os.push_back(M);
  os.push_back(N);
  int64_t sa = a.dim(-1) * a.dim(-2), sb = b.dim(-1) * b.dim(-2);
  return on_device("matmul", d, [&] {
    Tensor out = Tensor::empty(os);
    for (int64_t i = 0; i < batch; ++i)
      cpu::gemm(ta, tb, M, N, K, 1.f, a.f32() + i * sa, lda, b.f32() + i * sb, ldb, 0.f,
                out.f32() + i * M * N, N);
    return out;
  });
}

std::tuple<Tensor, Tensor> dense_forward(const Tensor& x, const Tensor& kernel,
                                         const std::optional<Tensor>& bias,
                                         const std::string& activation, float alpha) {
  Device d = common_device("dense", {{"inputs", x}, {"kernel", kernel}, {"bias", bias}});
  check_float32(x, "dense", "inputs");
  check_float32(kernel, "dense", "kernel");
  PFF_CHECK(kernel.ndim() == 2, "[dense] kernel must be 2-D, got shape ",
            shape_str(kernel.shape()), ".");
  PFF_CHECK(x.ndim() >= 1 && x.dim(-1) == kernel.dim(0), "[dense] inputs of shape ",
            shape_str(x.shape()), " do not match a kernel of shape ",
            shape_str(kernel.shape()), ": expected last dimension ", kernel.dim(0), ".");
  int64_t IN = kernel.dim(0), OUT = kernel.dim(1);
  if (bias) {
    check_float32(*bias, "dense", "bias");
    PFF_CHECK(bias->ndim() == 1 && bias->dim(0) == OUT, "[dense] bias must have shape (",
              OUT, ",), got ", shape_str(bias->shape()), ".");
  }
  Activation act = parse_activation(activation);
  Shape os(x.shape().begin(), x.shape().end() - 1);
  int64_t B = numel_of(os);
  os.push_back(OUT);
  return on_device("dense", d, [&] {
    Tensor out = Tensor::empty(os);
    Tensor z;
    if (activation_backward_needs_input(act)) z = Tensor::empty(os);
    cpu::dense_forward(x.f32(), kernel.f32(), bias ? bias->f32() : nullptr,
                       z.numel() ? z.f32() : nullptr, out.f32(), B, IN, OUT, act, alpha);
    return std::tuple<Tensor, Tensor>{out, z};
  });
}

std::tuple<Tensor, Tensor, Tensor> dense_backward(const Tensor& dout, const Tensor& x,
                                                  const Tensor& kernel, const Tensor& z,
                                                  const Tensor& out,
                                                  const std::string& activation,
                                                  float alpha, bool need_dx,
                                                  bool need_dbias) {
  Device d = common_device("dense_backward", {{"dout", dout}, {"inputs", x}, {"kernel", kernel},
                                              {"z", z}, {"out", out}});
  check_float32(dout, "dense_backward", "dout");
  PFF_CHECK(dout.shape() == out.shape(), "[dense_backward] dout has shape ",
            shape_str(dout.shape()), " but the output has shape ", shape_str(out.shape()), ".");
  Activation act = parse_activation(activation);
  int64_t IN = kernel.dim(0), OUT = kernel.dim(1), B = out.numel() / std::max<int64_t>(OUT, 1);
  if (OUT == 0) B = numel_of(Shape(out.shape().begin(), out.shape().end() - 1));
  return on_device("dense_backward", d, [&] {
    Tensor dz = act == Activation::linear ? Tensor() : Tensor::empty(out.shape());
    Tensor dx = need_dx ? Tensor::empty(x.shape()) : Tensor();
    Tensor dW = Tensor::empty(kernel.shape());
    Tensor db = need_dbias ? Tensor::empty({OUT}) : Tensor();
    cpu::dense_backward(dout.f32(), x.f32(), kernel.f32(), z.numel() ? z.f32() : nullptr,
                        out.f32(), dz.numel() ? dz.f32() : nullptr,
                        need_dx ? dx.f32() : nullptr, dW.f32(), need_dbias ? db.f32() : nullptr,
                        B, IN, OUT, act, alpha);
    return std::tuple<Tensor, Tensor, Tensor>{dx, dW, db};
  });
}

}  // namespace pyfastfit
