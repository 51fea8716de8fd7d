// Program: the backward pass (gradient routing between nodes, parameter gradients of
// shared layers, the fused update of large weights) and the weight constraints applied
// after a step.
#include <algorithm>
#include <cstring>

#include "cpu/constraints.h"
#include "cpu/penalty.h"
#include "ops/optim.h"
#include "program/program.h"

namespace pyfastfit::program {

/** Backward's view of the Program for node `self`. */
class Program::NodeBackward final : public Backward {
 public:
  NodeBackward(Program& prog, int i, int64_t b) : p_(prog), spec_(prog.nodes_[i]->spec()) {
    batch = b;
    g = prog.grad_ptr_[i];
    values = prog.value_ptr_.data();
    self = i;
  }

  float* input_grad(int k) override {
    int j = spec_.inputs[k];
    // Straight into j's buffer when this node is j's only consumer, else into scratch
    // and added.
    if (!p_.grad_ptr_[j]) return nullptr;
    return p_.consumers_[j] == 1 ? p_.grad_ptr_[j] : p_.scratch_.f32();
  }

  void add_input_grad(int k, float* src) override {
    int j = spec_.inputs[k];
    float* dst = p_.grad_ptr_[j];
    if (!dst) return;
    int64_t cnt = batch * p_.width(j);
    if (p_.received_[j]++ == 0) {
      if (dst != src) std::memcpy(dst, src, sizeof(float) * cnt);
    } else {
      for (int64_t e = 0; e < cnt; ++e) dst[e] += src[e];
    }
  }

  float* param_grad(int k) override {
    int slot = spec_.params[k].slot;
    if (slot < 0) return p_.frozen_grads_[self][k].f32();
    return p_.param_seen_[slot]++ == 0 ? p_.param_grads_[slot].f32()
                                        : p_.param_scratch_[slot].f32();
  }

  void finish_param_grad(int k, float* grad) override {
    auto& prm = spec_.params[k];
    if (prm.slot < 0) return;
    float* total = p_.param_grads_[prm.slot].f32();
    int64_t n = prm.weight.numel();
    if (grad == total) {
      cpu::add_penalty_grad(total, prm.weight.f32(), n, prm.l1, prm.l2);
    } else {
      for (int64_t e = 0; e < n; ++e) total[e] += grad[e];
    }
  }

  bool fused(int k) const override {
    int slot = spec_.params[k].slot;
    return slot >= 0 && p_.fused_param_[slot];
  }

  void update_slice(int k, int64_t off, int64_t n) override {
    auto& prm = spec_.params[k];
    int slot = prm.slot;
    auto& opt = p_.opt_;
    float* w = prm.weight.f32() + off;
    float* dw = p_.param_grads_[slot].f32() + off;
    cpu::add_penalty_grad(dw, w, n, prm.l1, prm.l2);
    float* slots[3] = {nullptr, nullptr, nullptr};
    for (size_t s = 0; s < opt.slots.size() && s < 3; ++s)
      if (!opt.slots[s].empty()) slots[s] = opt.slots[s][slot].f32() + off;
    float decay = opt.weight_decay.empty() ? 0.f : opt.weight_decay[slot];
    optimizer_update_slice_(opt.algo, opt.hyper, p_.step_lr_, p_.step_done_, decay,
                            opt.clip_mode, opt.clip, w, dw, slots, n);
  }

 private:
  Program& p_;
  const NodeSpec& spec_;
};

void Program::backward(int64_t b) {
  std::fill(param_seen_.begin(), param_seen_.end(), 0);
  for (int i = static_cast<int>(nodes_.size()) - 1; i >= num_inputs_; --i) {
    // Nothing upstream of a node without needs_grad_ has a trainable weight.
    if (!grad_ptr_[i] || received_[i] == 0 || !needs_grad_[i]) continue;
    auto& spec = nodes_[i]->spec();
    if (spec.activity_l1 != 0.f || spec.activity_l2 != 0.f)  // d (penalty / b) / d out
      cpu::add_penalty_grad(grad_ptr_[i], value_ptr_[i], b * width(i),
                            spec.activity_l1 / static_cast<float>(b),
                            spec.activity_l2 / static_cast<float>(b));
    NodeBackward ctx(*this, i, b);
    nodes_[i]->backward(ctx);
  }
}

void Program::apply_constraints() {
  float* sq = constraint_squares_.f32();
  float* norms = constraint_norms_.f32();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& params = nodes_[i]->spec().params;
    for (size_t k = 0; k < params.size(); ++k) {
      auto& p = params[k];
      if (p.slot < 0 || !first_use_[i][k] || p.constraint.kind == ConstraintKind::none)
        continue;
      auto [rows, cols] = nodes_[i]->constraint_dims(static_cast<int>(k));
      cpu::apply_constraint(p.constraint, p.weight.f32(), rows, cols, sq, norms);
    }
  }
}

}  // namespace pyfastfit::program
