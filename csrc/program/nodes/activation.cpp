// Activation node (Activation, ReLU, LeakyReLU, Softmax layers) on the eager
// activations' kernels.
#include <cstring>

#include "core/check.h"
#include "cpu/activation.h"
#include "program/node.h"
#include "program/node_helpers.h"

namespace pyfastfit::program {
namespace {

using detail::act_cols;
using detail::act_rows;

class ActivationNode final : public Node {
 public:
  ActivationNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1, "[program] activation node takes one input.");
    PFF_CHECK(in[0] == spec_.shape, "[program] activation node of shape ",
              shape_str(spec_.shape), " reads an input of shape ", shape_str(in[0]), ".");
    act_ = parse_activation(spec_.name("activation"));
    alpha_ = static_cast<float>(spec_.number("alpha", 0.0));
    // Row-wise activations (softmax) normalize over the last axis: rows of `last_`.
    last_ = spec_.shape.empty() ? 1 : spec_.shape.back();
  }
  void reserve(int64_t batch) override {
    if (activation_backward_needs_input(act_)) pre_ = Tensor::empty({batch, width()});
  }
  void forward(const Pass& p) override {
    int64_t w = width(), off = p.r0 * w, cnt = (p.r1 - p.r0) * w;
    const float* x = in(p) + off;
    if (has(pre_)) std::memcpy(pre_.f32() + off, x, sizeof(float) * cnt);
    int64_t rows = cnt / last_;
    cpu::activation_forward(act_, x, out(p) + off, act_rows(act_, rows),
                            act_cols(act_, rows, last_), alpha_);
  }
  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    int64_t rows = b.batch * width() / last_;
    cpu::activation_backward(act_, b.g, detail::ptr_or_null(pre_), out(b), dx,
                             act_rows(act_, rows), act_cols(act_, rows, last_), alpha_);
    b.add_input_grad(0, dx);
  }

 private:
  Activation act_ = Activation::linear;
  float alpha_ = 0.f;
  int64_t last_ = 1;
  Tensor pre_;
};

}  // namespace

PFF_NODE("activation", ActivationNode);

}  // namespace pyfastfit::program
