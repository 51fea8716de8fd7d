// Pooling nodes: max and average pooling (NHWC, 1-D as H = 1; NDHWC with the "depth"
// numbers) on cpu/pool.h's kernels,
// and global max / average pooling on the eager reductions' kernel (cpu/reduce.h).
#include "core/check.h"
#include "cpu/pool.h"
#include "cpu/reduce.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

/** Reads "in" (H, W, C), "out" (OH, OW), "pool" (KH, KW), "strides" and "pads"; 3-D
 *  pooling adds "depth" (D, OD, KD, sd, pf: cpu::PoolGeom's depth members). */
cpu::PoolGeom pool_geom(const NodeSpec& s, const std::vector<std::vector<int64_t>>& in) {
  auto i = s.ints("in", 3), o = s.ints("out", 2), k = s.ints("pool", 2);
  auto st = s.ints("strides", 2), pad = s.ints("pads", 2);
  cpu::PoolGeom g{0, i[0], i[1], i[2], o[0], o[1], k[0], k[1], st[0], st[1], pad[0], pad[1]};
  for (int64_t v : {g.H, g.W, g.C, g.OH, g.OW, g.KH, g.KW, g.sh, g.sw})
    PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a size or stride < 1.");
  PFF_CHECK(g.pt >= 0 && g.pl >= 0, "[program] ", s.kind, " node has negative padding.");
  if (s.numbers.count("depth")) {
    auto d = s.ints("depth", 5);
    g.D = d[0], g.OD = d[1], g.KD = d[2], g.sd = d[3], g.pf = d[4];
    for (int64_t v : {g.D, g.OD, g.KD, g.sd})
      PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a depth size or stride < 1.");
    PFF_CHECK(g.pf >= 0, "[program] ", s.kind, " node has negative padding.");
  }
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

using MaxPoolNode = PoolNode<true>;
using AveragePoolNode = PoolNode<false>;

}  // namespace

PFF_NODE("max_pool", MaxPoolNode);
PFF_NODE("average_pool", AveragePoolNode);
PFF_NODE("global_pool", GlobalPoolNode);

}  // namespace pyfastfit::program
