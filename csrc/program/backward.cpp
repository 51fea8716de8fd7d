// Program: the backward pass, the fused update of large Dense kernels, parameter
// gradients of shared layers, and the weight constraints applied after a step.
#include <algorithm>
#include <cstring>

#include "core/threads.h"
#include "cpu/activation.h"
#include "cpu/constraints.h"
#include "cpu/dense.h"
#include "cpu/gemm.h"
#include "cpu/penalty.h"
#include "ops/optim.h"
#include "program/node_helpers.h"
#include "program/program.h"

namespace pyfastfit::program {

using detail::act_cols;
using detail::act_rows;
using detail::has;
using detail::ptr_or_null;

void Program::backward(int64_t b) {
  int n = static_cast<int>(nodes_.size());
  // Adds `src` into node j's gradient (the first contribution is copied).
  auto contribute = [&](int j, const float* src) {
    float* g = grad_ptr_[j];
    if (!g) return;
    int64_t cnt = b * nodes_[j].width;
    if (received_[j]++ == 0) {
      if (g != src) std::memcpy(g, src, sizeof(float) * cnt);
    } else {
      for (int64_t k = 0; k < cnt; ++k) g[k] += src[k];
    }
  };
  // Where node i's gradient w.r.t. its input j is written: straight into j's buffer
  // when i is j's only consumer, else into scratch and added.
  auto target_of = [&](int j) {
    return consumers_[j] == 1 ? grad_ptr_[j] : scratch_.f32();
  };
  std::fill(param_seen_.begin(), param_seen_.end(), 0);
  for (int i = n - 1; i >= num_inputs_; --i) {
    auto& nd = nodes_[i];
    // Nothing upstream of a node without needs_grad_ has a trainable weight.
    if (!grad_ptr_[i] || received_[i] == 0 || !needs_grad_[i]) continue;
    float* g = grad_ptr_[i];
    int64_t w = nd.width, cnt = b * w;
    if (nd.activity_l1 != 0.f || nd.activity_l2 != 0.f)  // d (penalty / b) / d out
      cpu::add_penalty_grad(g, value_ptr_[i], cnt, nd.activity_l1 / static_cast<float>(b),
                            nd.activity_l2 / static_cast<float>(b));
    int in = nd.inputs[0];
    switch (nd.kind) {
      case NodeKind::input:
        break;
      case NodeKind::identity:
        contribute(in, g);
        break;
      case NodeKind::dense: {
        if (fused_node_[i]) {
          float* dx = grad_ptr_[in] ? target_of(in) : nullptr;
          dense_backward_fused(i, b, dx);
          if (dx) contribute(in, dx);
          break;
        }
        float* dW = param_grad_target(nd.kernel_param, frozen_grads_[2 * i]);
        float* db = has(nd.bias) ? param_grad_target(nd.bias_param, frozen_grads_[2 * i + 1])
                                 : nullptr;
        float* dx = grad_ptr_[in] ? target_of(in) : nullptr;
        cpu::dense_backward(g, value_ptr_[in], nd.kernel.f32(), ptr_or_null(pre_[i]),
                            value_ptr_[i], g, dx,
                            dW, db, b, nd.kernel.dim(0), w, nd.act, nd.alpha);
        finish_param_grad(nd.kernel_param, dW, nd.kernel, nd.kernel_l1, nd.kernel_l2);
        if (db) finish_param_grad(nd.bias_param, db, nd.bias, nd.bias_l1, nd.bias_l2);
        if (dx) contribute(in, dx);
        break;
      }
      case NodeKind::activation: {
        if (!grad_ptr_[in]) break;
        float* dst = target_of(in);
        cpu::activation_backward(nd.act, g, ptr_or_null(pre_[i]),
                                 value_ptr_[i], dst, act_rows(nd.act, b),
                                 act_cols(nd.act, b, w), nd.alpha);
        contribute(in, dst);
        break;
      }
      case NodeKind::dropout: {
        if (!grad_ptr_[in]) break;
        float* dst = target_of(in);
        if (nd.rate > 0.f) {
          const float* m = mask_[i].f32();
          for (int64_t k = 0; k < cnt; ++k) dst[k] = g[k] * m[k];
        } else if (dst != g) {
          std::memcpy(dst, g, sizeof(float) * cnt);
        }
        contribute(in, dst);
        break;
      }
      case NodeKind::concatenate: {
        int64_t off = 0;
        for (int j : nd.inputs) {
          int64_t wj = nodes_[j].width;
          if (grad_ptr_[j]) {
            float* dst = scratch_.f32();
            for (int64_t r = 0; r < b; ++r)
              std::memcpy(dst + r * wj, g + r * w + off, sizeof(float) * wj);
            contribute(j, dst);
          }
          off += wj;
        }
        break;
      }
      default:
        for (size_t k = 0; k < nd.inputs.size(); ++k) {
          int j = nd.inputs[k];
          if (!grad_ptr_[j]) continue;
          merge_backward(nd.kind, nd.inputs, k, value_ptr_, value_ptr_[i], g, scratch_.f32(), cnt);
          contribute(j, scratch_.f32());
        }
        break;
    }
  }
}

float* Program::param_grad_target(int p, const Tensor& frozen) {
  if (p < 0) return frozen.f32();
  return param_seen_[p]++ == 0 ? param_grads_[p].f32() : param_scratch_[p].f32();
}

void Program::finish_param_grad(int p, const float* grad, const Tensor& weight, float l1,
                                float l2) {
  if (p < 0) return;
  float* total = param_grads_[p].f32();
  int64_t n = weight.numel();
  if (grad == total) {
    cpu::add_penalty_grad(total, weight.f32(), n, l1, l2);
  } else {
    for (int64_t k = 0; k < n; ++k) total[k] += grad[k];
  }
}

void Program::dense_backward_fused(int i, int64_t b, float* dx) {
  auto& nd = nodes_[i];
  float* g = grad_ptr_[i];
  const float* x = value_ptr_[nd.inputs[0]];
  float* W = nd.kernel.f32();
  int64_t IN = nd.kernel.dim(0), OUT = nd.width;
  if (nd.act != cpu::Activation::linear)
    cpu::activation_backward(nd.act, g, ptr_or_null(pre_[i]), value_ptr_[i], g,
                             act_rows(nd.act, b), act_cols(nd.act, b, OUT), nd.alpha);
  if (has(nd.bias)) {
    float* db = nd.bias_param >= 0 ? param_grads_[nd.bias_param].f32()
                                   : frozen_grads_[2 * i + 1].f32();
    cpu::column_sums(g, db, b, OUT);
    if (nd.bias_param >= 0)
      cpu::add_penalty_grad(db, nd.bias.f32(), OUT, nd.bias_l1, nd.bias_l2);
  }
  // dx uses the kernel before this step's update.
  if (dx) cpu::gemm(false, true, b, IN, OUT, 1.f, g, OUT, W, OUT, 0.f, dx, IN);
  int p = nd.kernel_param;
  float* dW = param_grads_[p].f32();
  float decay = opt_.weight_decay.empty() ? 0.f : opt_.weight_decay[p];
  int64_t block = std::max<int64_t>(1, (int64_t{1} << 16) / OUT);  // ~256 KB of dW
  // Each core takes the rows of dW that gemm would give it (the same blocks as the eager
  // path's dW, and one parallel region for product and update together), then walks
  // them a cache-sized block at a time.
  auto rows_of_dw = [&](int64_t lo, int64_t hi) {
    for (int64_t r0 = lo; r0 < hi; r0 += block) {
      int64_t rows = std::min(block, hi - r0);
      int64_t off = r0 * OUT;
      // dW rows r0.. = x[:, r0..]^T @ g.
      cpu::gemm(true, false, rows, OUT, b, 1.f, x + r0, IN, g, OUT, 0.f, dW + off, OUT);
      cpu::add_penalty_grad(dW + off, W + off, rows * OUT, nd.kernel_l1, nd.kernel_l2);
      float* slots[3] = {nullptr, nullptr, nullptr};
      for (size_t k = 0; k < opt_.slots.size() && k < 3; ++k)
        if (!opt_.slots[k].empty()) slots[k] = opt_.slots[k][p].f32() + off;
      optimizer_update_slice_(opt_.algo, opt_.hyper, step_lr_, step_done_, decay,
                              opt_.clip_mode, opt_.clip, W + off, dW + off, slots, rows * OUT);
    }
  };
  if (IN * OUT * b >= cpu::kGemmSplitMacs && IN >= 2 * cpu::kGemmAlign)
    cpu::gemm_blocks(IN, rows_of_dw);
  else
    rows_of_dw(0, IN);
}

void Program::apply_constraints() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    auto& nd = nodes_[i];
    if (nd.kind != NodeKind::dense || !first_call_[i]) continue;
    float* sq = constraint_squares_.f32();
    float* norms = constraint_norms_.f32();
    if (nd.kernel_param >= 0)
      cpu::apply_constraint(nd.kernel_constraint, nd.kernel.f32(), nd.kernel.dim(0), nd.width,
                            sq, norms);
    if (nd.bias_param >= 0)
      cpu::apply_constraint(nd.bias_constraint, nd.bias.f32(), nd.width, 1, sq, norms);
  }
}

}  // namespace pyfastfit::program
