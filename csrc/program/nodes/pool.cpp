// Pooling nodes: max and average pooling (NHWC, 1-D as H = 1; NDHWC with the "depth"
// numbers; the window geometry shared with the folded conv node: pool_geometry.h) on cpu/pool.h's kernels,
// global max / average pooling on the eager reductions' kernel (cpu/reduce.h), and the
// masked mean over steps (GlobalAveragePooling1D after Embedding(mask_zero=True)).
#include "core/check.h"
#include "cpu/pool.h"
#include "cpu/reduce.h"
#include "program/node.h"
#include "program/nodes/pool_geometry.h"

namespace pyfastfit::program {

cpu::PoolGeom pool_windows(const NodeSpec& s, const std::string& prefix, int64_t H,
                           int64_t W, int64_t C) {
  auto o = s.ints(prefix + "out", 2), k = s.ints(prefix + "window", 2);
  auto st = s.ints(prefix + "strides", 2), pad = s.ints(prefix + "pads", 2);
  cpu::PoolGeom g{0, H, W, C, o[0], o[1], k[0], k[1], st[0], st[1], pad[0], pad[1]};
  for (int64_t v : {g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw})
    PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a pool size or stride < 1.");
  PFF_CHECK(g.pt >= 0 && g.pl >= 0, "[program] ", s.kind, " node has negative padding.");
  if (s.numbers.count(prefix + "depth")) {
    auto d = s.ints(prefix + "depth", 5);
    g.D = d[0], g.OD = d[1], g.KD = d[2], g.sd = d[3], g.pf = d[4];
    for (int64_t v : {g.D, g.OD, g.KD, g.sd})
      PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a depth size or stride < 1.");
    PFF_CHECK(g.pf >= 0, "[program] ", s.kind, " node has negative padding.");
  }
  return g;
}

namespace {

/** Reads "in" (H, W, C) and the windows (pool_windows, no prefix), and checks them
 *  against the node's input and output. */
cpu::PoolGeom pool_geom(const NodeSpec& s, const std::vector<std::vector<int64_t>>& in) {
  auto i = s.ints("in", 3);
  cpu::PoolGeom g = pool_windows(s, "", i[0], i[1], i[2]);
  PFF_CHECK(in.size() == 1 && shape_numel(in[0]) == g.D * g.H * g.W * g.C, "[program] ",
            s.kind, " node reads an input that is not (", g.D, ", ", g.H, ", ", g.W, ", ",
            g.C, ").");
  PFF_CHECK(s.width() == g.OD * g.OH * g.OW * g.C, "[program] ", s.kind, " node's shape ",
            shape_str(s.shape), " does not hold its output.");
  return g;
}

template <bool is_max>
class PoolNode final : public Node {
 public:
  PoolNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)), geom_(pool_geom(spec_, in)) {}

  void reserve(int64_t batch) override {
    if (is_max) index_ = Tensor::empty({batch, width()}, DType::int32);
  }

  void forward(const Pass& p) override {
    cpu::PoolGeom g = geom_;
    g.N = p.r1 - p.r0;
    const float* x = in(p) + p.r0 * g.D * g.H * g.W * g.C;
    float* y = out(p) + p.r0 * width();
    if (is_max)
      cpu::max_pool_forward(x, y, index_.data<int32_t>() + p.r0 * width(), g);
    else
      cpu::average_pool_forward(x, y, g);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    cpu::PoolGeom g = geom_;
    g.N = b.batch;
    if (is_max)
      cpu::max_pool_backward(b.g, index_.data<int32_t>(), dx, g);
    else
      cpu::average_pool_backward(b.g, dx, g);
    b.add_input_grad(0, dx);
  }

 private:
  cpu::PoolGeom geom_;
  Tensor index_;
};

/** Global pooling: "op" is "max" or "mean" over the "positions" of each channel. */
class GlobalPoolNode final : public Node {
 public:
  GlobalPoolNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    const std::string& op = spec_.name("op");
    PFF_CHECK(op == "max" || op == "mean", "[program] global_pool op '", op,
              "' is not max or mean.");
    op_ = parse_reduce(op);
    channels_ = spec_.width();
    PFF_CHECK(in.size() == 1 && !in[0].empty() && in[0].back() == channels_,
              "[program] global_pool node of ", channels_, " channels reads an input of shape ",
              shape_str(in.empty() ? std::vector<int64_t>{} : in[0]), ".");
    positions_ = shape_numel(in[0]) / channels_;
  }

  void forward(const Pass& p) override {
    cpu::reduce_f32(op_, in(p) + p.r0 * positions_ * channels_, out(p) + p.r0 * channels_,
                    p.r1 - p.r0, positions_, channels_);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    cpu::reduce_f32_backward(op_, b.g, in(b), out(b), dx, b.batch, positions_, channels_);
    b.add_input_grad(0, dx);
  }

 private:
  Reduce op_ = Reduce::mean;
  int64_t channels_ = 1, positions_ = 1;
};

/** GlobalAveragePooling1D with the mask of an Embedding(mask_zero=True): input 0 is
 *  (steps, channels), input 1 the embedding's indices (steps); a step counts where its
 *  index is not 0 (Embedding.compute_mask), and the mean is cpu::masked_mean_pool's, as
 *  the eager layer's. The indices get no gradient. */
class MaskedMeanPoolNode final : public Node {
 public:
  MaskedMeanPoolNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    PFF_CHECK(in.size() == 2 && in[0].size() == 2 && shape_numel(in[1]) == in[0][0] &&
                  spec_.width() == in[0][1],
              "[program] masked_mean_pool node reads (steps, channels) values and (steps) "
              "indices, and gives (channels).");
    T_ = in[0][0];
    C_ = in[0][1];
  }

  void reserve(int64_t batch) override { mask_ = Tensor::empty({batch, T_}); }

  void forward(const Pass& p) override {
    const float* idx = in(p, 1) + p.r0 * T_;
    float* m = mask_.f32() + p.r0 * T_;
    for (int64_t k = 0; k < (p.r1 - p.r0) * T_; ++k) m[k] = idx[k] != 0.f ? 1.f : 0.f;
    cpu::masked_mean_pool_forward(in(p) + p.r0 * T_ * C_, m, p.r1 - p.r0, T_, C_,
                                  out(p) + p.r0 * C_);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    cpu::masked_mean_pool_backward(b.g, mask_.f32(), b.batch, T_, C_, dx);
    b.add_input_grad(0, dx);
  }

 private:
  int64_t T_ = 1, C_ = 1;
  Tensor mask_;
};

using MaxPoolNode = PoolNode<true>;
using AveragePoolNode = PoolNode<false>;

}  // namespace

PFF_NODE("max_pool", MaxPoolNode);
PFF_NODE("average_pool", AveragePoolNode);
PFF_NODE("global_pool", GlobalPoolNode);
PFF_NODE("masked_mean_pool", MaskedMeanPoolNode);

}  // namespace pyfastfit::program
