// Dense node: act(x @ kernel + bias) on cpu/dense.h's fused kernels, over the last axis
// (an input of shape (positions..., features) is batch * positions rows). A large
// trained kernel is updated block by block as its gradient is produced (the block is
// still in cache, and each core updates the rows it computed).
#include <algorithm>

#include "core/check.h"
#include "cpu/activation.h"
#include "cpu/dense.h"
#include "cpu/gemm.h"
#include "program/node.h"
#include "program/node_helpers.h"

namespace pyfastfit::program {
namespace {

using detail::act_cols;
using detail::act_rows;

class DenseNode final : public Node {
 public:
  DenseNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1, "[program] dense node takes one input.");
    PFF_CHECK(!in[0].empty() && !spec_.shape.empty(), "[program] dense node needs inputs "
              "and outputs with a features axis.");
    in_w_ = in[0].back();
    units_ = spec_.shape.back();
    positions_ = spec_.width() / units_;
    check_kernel_and_bias(spec_, in_w_ * units_, units_);
    const Tensor& k = spec_.params[0].weight;
    PFF_CHECK(k.ndim() == 2 && k.dim(0) == in_w_ && k.dim(1) == units_ &&
                  shape_numel(in[0]) == in_w_ * positions_,
              "[program] dense node has kernel ", shape_str(k.shape()), " for inputs of "
              "shape ", shape_str(in[0]), " and outputs of shape ", shape_str(spec_.shape),
              ".");
    act_ = parse_activation(spec_.name("activation"));
    alpha_ = static_cast<float>(spec_.number("alpha", 0.0));
  }

  void reserve(int64_t batch) override {
    if (activation_backward_needs_input(act_)) pre_ = Tensor::empty({batch, width()});
  }
  bool can_fuse_update(int k) const override {
    return k == 0 && spec_.params[0].weight.numel() >= (int64_t{1} << 15);
  }

  void forward(const Pass& p) override {
    int64_t rows = (p.r1 - p.r0) * positions_, r0 = p.r0 * positions_;
    cpu::dense_forward(in(p) + r0 * in_w_, kernel(), bias(),
                       has(pre_) ? pre_.f32() + r0 * units_ : nullptr, out(p) + r0 * units_,
                       rows, in_w_, units_, act_, alpha_);
  }

  void backward(Backward& b) override {
    if (b.fused(0)) return backward_fused(b);
    float* dW = b.param_grad(0);
    float* db = bias() ? b.param_grad(1) : nullptr;
    float* dx = b.input_grad(0);
    cpu::dense_backward(b.g, in(b), kernel(), detail::ptr_or_null(pre_), out(b), b.g, dx, dW,
                        db, b.batch * positions_, in_w_, units_, act_, alpha_);
    b.finish_param_grad(0, dW);
    if (db) b.finish_param_grad(1, db);
    if (dx) b.add_input_grad(0, dx);
  }

 private:
  float* kernel() const { return spec_.params[0].weight.f32(); }
  float* bias() const { return spec_.params.size() > 1 ? spec_.params[1].weight.f32() : nullptr; }

  void backward_fused(Backward& b) {
    float* g = b.g;
    const float* x = in(b);
    int64_t IN = in_w_, OUT = units_, B = b.batch * positions_;
    if (act_ != Activation::linear)
      cpu::activation_backward(act_, g, detail::ptr_or_null(pre_), out(b), g,
                               act_rows(act_, B), act_cols(act_, B, OUT), alpha_);
    if (bias()) {
      float* db = b.param_grad(1);
      cpu::column_sums(g, db, B, OUT);
      b.finish_param_grad(1, db);
    }
    // dx uses the kernel before this step's update.
    float* dx = b.input_grad(0);
    if (dx) cpu::gemm(false, true, B, IN, OUT, 1.f, g, OUT, kernel(), OUT, 0.f, dx, IN);
    float* dW = b.param_grad(0);
    int64_t block = std::max<int64_t>(1, (int64_t{1} << 16) / OUT);  // ~256 KB of dW
    // Each core takes the rows of dW that gemm would give it (the same blocks as the
    // eager path's dW, and one parallel region for product and update together), then
    // walks them a cache-sized block at a time.
    auto rows_of_dw = [&](int64_t lo, int64_t hi) {
      for (int64_t r0 = lo; r0 < hi; r0 += block) {
        int64_t rows = std::min(block, hi - r0);
        // dW rows r0.. = x[:, r0..]^T @ g.
        cpu::gemm(true, false, rows, OUT, B, 1.f, x + r0, IN, g, OUT, 0.f, dW + r0 * OUT, OUT);
        b.update_slice(0, r0 * OUT, rows * OUT);
      }
    };
    if (IN * OUT * B >= cpu::kGemmSplitMacs && IN >= 2 * cpu::kGemmAlign)
      cpu::gemm_blocks(IN, rows_of_dw);
    else
      rows_of_dw(0, IN);
    if (dx) b.add_input_grad(0, dx);
  }

  int64_t in_w_ = 0, units_ = 0, positions_ = 1;  // per row: inputs, units; rows per sample
  Activation act_ = Activation::linear;
  float alpha_ = 0.f;
  Tensor pre_;
};

}  // namespace

PFF_NODE("dense", DenseNode);

}  // namespace pyfastfit::program
