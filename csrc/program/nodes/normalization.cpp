// Normalization nodes on cpu/normalization.h's fused kernels (the eager layers' ops):
// "batch_norm" (BatchNormalization over the last axis: batch statistics and the moving
// averages' update in training when the layer is trainable, the moving statistics
// otherwise), "layer_norm" (LayerNormalization over the trailing features; "rms_scaling"
// selects Keras's uncentered variant), "group_norm" (GroupNormalization of channels-last
// values) and "unit_norm" (UnitNormalization over the trailing features).
#include "core/check.h"
#include "cpu/group_norm.h"
#include "cpu/normalization.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

/** (gamma, beta) pointers from the params, by the "scale" / "center" flags. */
struct Affine {
  int gamma = -1, beta = -1;  // param index, -1 when absent
};

Affine affine_of(const NodeSpec& s, int64_t C) {
  Affine a;
  int k = 0;
  if (s.number("scale") != 0) a.gamma = k++;
  if (s.number("center") != 0) a.beta = k++;
  PFF_CHECK(static_cast<int>(s.params.size()) == k, "[program] ", s.kind, " node has ",
            s.params.size(), " weights; expected ", k, ".");
  for (auto& p : s.params)
    PFF_CHECK(p.weight.numel() == C, "[program] ", s.kind, " node has a weight of ",
              p.weight.numel(), " values for ", C, " features.");
  return a;
}

class NormNode : public Node {
 public:
  /** "features": the values normalized together (BatchNormalization: the channels). */
  NormNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)), C_(static_cast<int64_t>(spec_.number("features"))) {
    PFF_CHECK(in.size() == 1 && in[0] == spec_.shape, "[program] ", spec_.kind,
              " node takes one input of its own shape.");
    PFF_CHECK(C_ >= 1 && spec_.width() % C_ == 0, "[program] ", spec_.kind, " node of shape ",
              shape_str(spec_.shape), " cannot normalize ", C_, " features.");
    eps_ = static_cast<float>(spec_.number("epsilon"));
    PFF_CHECK(eps_ > 0.f, "[program] ", spec_.kind, " node needs epsilon > 0.");
    affine_ = affine_of(spec_, C_);
    positions_ = spec_.width() / C_;
  }

 protected:
  const float* gamma() const { return weight(affine_.gamma); }
  const float* beta() const { return weight(affine_.beta); }
  /** The gradient targets of gamma and beta (null when absent). */
  std::pair<float*, float*> affine_grads(Backward& b) {
    return {affine_.gamma >= 0 ? b.param_grad(affine_.gamma) : nullptr,
            affine_.beta >= 0 ? b.param_grad(affine_.beta) : nullptr};
  }
  void finish_affine(Backward& b, std::pair<float*, float*> grads) {
    if (grads.first) b.finish_param_grad(affine_.gamma, grads.first);
    if (grads.second) b.finish_param_grad(affine_.beta, grads.second);
  }

  int64_t C_, positions_ = 1;
  float eps_ = 1e-3f;

 private:
  const float* weight(int k) const { return k >= 0 ? spec_.params[k].weight.f32() : nullptr; }
  Affine affine_;
};

class BatchNormNode final : public NormNode {
 public:
  BatchNormNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : NormNode(std::move(s), in) {
    PFF_CHECK(C_ == spec_.shape.back(), "[program] batch_norm node normalizes the last "
              "axis (", spec_.shape.back(), " channels), not ", C_, " features.");
    batch_stats_ = spec_.number("batch_stats") != 0;
    momentum_ = static_cast<float>(spec_.number("momentum"));
    for (const char* key : {"moving_mean", "moving_variance"}) {
      const Tensor& t = spec_.tensor(key);
      check_float32(t, "program", key);
      PFF_CHECK(t.numel() == C_, "[program] batch_norm node's ", key, " has ", t.numel(),
                " values for ", C_, " channels.");
    }
    mean_ = Tensor::empty({C_});
    var_ = Tensor::empty({C_});
  }

  bool row_wise(bool training) const override { return !(training && batch_stats_); }

  void forward(const Pass& p) override {
    int64_t R = (p.r1 - p.r0) * positions_, off = p.r0 * width();
    if (p.training && batch_stats_) {
      cpu::batch_norm_statistics(in(p), R, C_, mean_.f32(), var_.f32());
      cpu::batch_norm_forward(in(p), mean_.f32(), var_.f32(), gamma(), beta(), eps_, R, C_,
                              out(p));
      cpu::moving_average_update(moving("moving_mean"), mean_.f32(), momentum_, C_);
      cpu::moving_average_update(moving("moving_variance"), var_.f32(), momentum_, C_);
    } else {
      cpu::batch_norm_forward(in(p) + off, moving("moving_mean"), moving("moving_variance"),
                              gamma(), beta(), eps_, R, C_, out(p) + off);
    }
  }

  void backward(Backward& b) override {
    // A training forward ran just before: batch statistics when the layer trains, the
    // moving ones (not updated) otherwise.
    auto grads = affine_grads(b);
    const float* mean = batch_stats_ ? mean_.f32() : moving("moving_mean");
    const float* var = batch_stats_ ? var_.f32() : moving("moving_variance");
    float* dx = b.input_grad(0);
    cpu::batch_norm_backward(b.g, in(b), mean, var, gamma(), eps_, b.batch * positions_, C_,
                             batch_stats_, dx, grads.first, grads.second);
    finish_affine(b, grads);
    if (dx) b.add_input_grad(0, dx);
  }

 private:
  float* moving(const char* key) const { return spec_.tensor(key).f32(); }

  bool batch_stats_ = true;
  float momentum_ = 0.99f;
  Tensor mean_, var_;
};

class LayerNormNode final : public NormNode {
 public:
  LayerNormNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : NormNode(std::move(s), in), rms_(spec_.number("rms_scaling", 0) != 0) {
    PFF_CHECK(!rms_ || !beta(), "[program] layer_norm node with rms_scaling has no beta.");
  }

  void reserve(int64_t batch) override {
    mean_ = Tensor::empty({batch * positions_});
    inv_std_ = Tensor::empty({batch * positions_});
  }

  void forward(const Pass& p) override {
    int64_t R = (p.r1 - p.r0) * positions_, row0 = p.r0 * positions_;
    if (rms_)
      cpu::layer_norm_rms_forward(in(p) + row0 * C_, gamma(), eps_, R, C_,
                                  out(p) + row0 * C_, mean_.f32() + row0,
                                  inv_std_.f32() + row0);
    else
      cpu::layer_norm_forward(in(p) + row0 * C_, gamma(), beta(), eps_, R, C_,
                              out(p) + row0 * C_, mean_.f32() + row0, inv_std_.f32() + row0);
  }

  void backward(Backward& b) override {
    auto grads = affine_grads(b);
    float* dx = b.input_grad(0);
    if (rms_)
      cpu::layer_norm_rms_backward(b.g, in(b), mean_.f32(), inv_std_.f32(), gamma(),
                                   b.batch * positions_, C_, dx, grads.first);
    else
      cpu::layer_norm_backward(b.g, in(b), mean_.f32(), inv_std_.f32(), gamma(),
                               b.batch * positions_, C_, dx, grads.first, grads.second);
    finish_affine(b, grads);
    if (dx) b.add_input_grad(0, dx);
  }

 private:
  bool rms_;
  Tensor mean_, inv_std_;
};

/** GroupNormalization over the last axis's C channels ("features") in "groups" groups;
 *  the other per-sample axes are the positions each group also spans. */
class GroupNormNode final : public NormNode {
 public:
  GroupNormNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : NormNode(std::move(s), in), G_(static_cast<int64_t>(spec_.number("groups"))) {
    PFF_CHECK(C_ == spec_.shape.back(), "[program] group_norm node normalizes the last "
              "axis (", spec_.shape.back(), " channels), not ", C_, " features.");
    PFF_CHECK(G_ >= 1 && C_ % G_ == 0, "[program] group_norm node: groups=", G_,
              " must divide the ", C_, " channels.");
  }

  void reserve(int64_t batch) override {
    mean_ = Tensor::empty({batch * G_});
    inv_std_ = Tensor::empty({batch * G_});
  }

  void forward(const Pass& p) override {
    int64_t off = p.r0 * width();
    cpu::group_norm_forward(in(p) + off, gamma(), beta(), eps_, p.r1 - p.r0, positions_, C_,
                            G_, out(p) + off, mean_.f32() + p.r0 * G_,
                            inv_std_.f32() + p.r0 * G_);
  }

  void backward(Backward& b) override {
    auto grads = affine_grads(b);
    float* dx = b.input_grad(0);
    cpu::group_norm_backward(b.g, in(b), mean_.f32(), inv_std_.f32(), gamma(), b.batch,
                             positions_, C_, G_, dx, grads.first, grads.second);
    finish_affine(b, grads);
    if (dx) b.add_input_grad(0, dx);
  }

 private:
  int64_t G_;
  Tensor mean_, inv_std_;
};

/** UnitNormalization over the trailing "features" values of each sample. */
class UnitNormNode final : public Node {
 public:
  UnitNormNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)), C_(static_cast<int64_t>(spec_.number("features"))) {
    PFF_CHECK(in.size() == 1 && in[0] == spec_.shape, "[program] unit_norm node takes one "
              "input of its own shape.");
    PFF_CHECK(spec_.params.empty(), "[program] unit_norm node has no weights.");
    PFF_CHECK(C_ >= 1 && spec_.width() % C_ == 0, "[program] unit_norm node of shape ",
              shape_str(spec_.shape), " cannot normalize ", C_, " features.");
    positions_ = spec_.width() / C_;
  }

  void reserve(int64_t batch) override { sq_ = Tensor::empty({batch * positions_}); }

  void forward(const Pass& p) override {
    int64_t R = (p.r1 - p.r0) * positions_, row0 = p.r0 * positions_;
    cpu::unit_norm_forward(in(p) + row0 * C_, R, C_, out(p) + row0 * C_, sq_.f32() + row0);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    cpu::unit_norm_backward(b.g, in(b), sq_.f32(), b.batch * positions_, C_, dx);
    b.add_input_grad(0, dx);
  }

 private:
  int64_t C_, positions_ = 1;
  Tensor sq_;
};

}  // namespace

PFF_NODE("batch_norm", BatchNormNode);
PFF_NODE("layer_norm", LayerNormNode);
PFF_NODE("group_norm", GroupNormNode);
PFF_NODE("unit_norm", UnitNormNode);

}  // namespace pyfastfit::program
