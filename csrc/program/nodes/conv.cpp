// Convolution nodes (NHWC, 1-D as H = 1; NDHWC with the "depth" numbers): "conv" (Conv1D,
// Conv2D, Conv3D, DepthwiseConv2D as a
// grouped convolution, the halves of SeparableConv2D) runs cpu/conv.h's im2col + GEMM per
// share of the batch's rows; "conv_transpose" (Conv2DTranspose) is the input gradient
// of the convolution it describes (col2im), as ops.conv_transpose. Then the bias and the
// activation; backward on the whole batch. A "conv" node with names["reduce"] = "max"
// also takes the global max over positions of each filter, with "max_pool" a max pooling
// (the MaxPooling node's window numbers with a "pool_" prefix, pool_geometry.h), fused
// by the graph translation: its backward then visits only the positions the maxima came
// from (cpu/conv_sparse.h).
#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "cpu/activation.h"
#include "cpu/conv.h"
#include "cpu/conv_pool.h"
#include "cpu/conv_sparse.h"
#include "cpu/pool.h"
#include "cpu/reduce.h"
#include "program/node.h"
#include "program/nodes/pool_geometry.h"
#include "program/node_helpers.h"

namespace pyfastfit::program {
namespace {

using detail::act_cols;
using detail::act_rows;

/** The geometry numbers a conv-like node reads: "in" (H, W, C), "out" (OH, OW, O),
 *  "kernel" (KH, KW), "strides", "dilation", "pads" (top, left) and "groups"; a 3-D
 *  convolution adds "depth" (D, OD, KD, sd, dd, pf: cpu::ConvGeom's depth members). */
cpu::ConvGeom conv_geom(const NodeSpec& s) {
  auto in = s.ints("in", 3), out = s.ints("out", 3), k = s.ints("kernel", 2);
  auto st = s.ints("strides", 2), dil = s.ints("dilation", 2), pad = s.ints("pads", 2);
  cpu::ConvGeom g{0, in[0], in[1], in[2], out[0], out[1], out[2], k[0], k[1],
                  st[0], st[1], dil[0], dil[1], pad[0], pad[1],
                  static_cast<int64_t>(s.number("groups"))};
  for (int64_t v : {g.H, g.W, g.C, g.OH, g.OW, g.O, g.KH, g.KW, g.sh, g.sw, g.dh, g.dw, g.groups})
    PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a size, stride or dilation < 1.");
  PFF_CHECK(g.pt >= 0 && g.pl >= 0, "[program] ", s.kind, " node has negative padding.");
  if (s.numbers.count("depth")) {
    auto d = s.ints("depth", 6);
    g.D = d[0], g.OD = d[1], g.KD = d[2], g.sd = d[3], g.dd = d[4], g.pf = d[5];
    for (int64_t v : {g.D, g.OD, g.KD, g.sd, g.dd})
      PFF_CHECK(v >= 1, "[program] ", s.kind, " node has a depth size, stride or dilation < 1.");
    PFF_CHECK(g.pf >= 0, "[program] ", s.kind, " node has negative padding.");
  }
  PFF_CHECK(g.C % g.groups == 0 && g.O % g.groups == 0, "[program] ", s.kind,
            " node: groups=", g.groups, " must divide the channels ", g.C, " and ", g.O, ".");
  return g;
}

/** transpose: the node's input is the described convolution's output and its output
 *  that convolution's input (numbers "in"/"out" describe the convolution). */
template <bool transpose>
class ConvNode final : public Node {
 public:
  ConvNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    geom_ = conv_geom(spec_);
    int64_t conv_in = geom_.in_sample(), conv_out = geom_.positions() * geom_.O;
    in_n_ = transpose ? conv_out : conv_in;
    channels_ = transpose ? geom_.C : geom_.O;
    auto reduce = spec_.names.find("reduce");
    if (reduce != spec_.names.end()) {
      PFF_CHECK(!transpose && (reduce->second == "max" || reduce->second == "max_pool"),
                "[program] ", spec_.kind, " node cannot reduce by '", reduce->second, "'.");
      pooled_ = true;
      windows_ = reduce->second == "max_pool";
    }
    if (windows_) {
      // The pooling's windows over this convolution's output (a 3-D one's depth too).
      pool_ = pool_windows(spec_, "pool_", geom_.OH, geom_.OW, geom_.O);
      PFF_CHECK(pool_.D == geom_.OD, "[program] a pooled ", spec_.kind, " node pools a "
                "depth of ", pool_.D, " over a convolution output of depth ", geom_.OD, ".");
      // The forward runs by blocks of samples (cpu/conv_pool.h); the backward too for
      // few channels per filter group, else sparse over the argmax positions.
      blocked_ = geom_.cg() < 8;
    }
    PFF_CHECK(in.size() == 1 && shape_numel(in[0]) == in_n_, "[program] ", spec_.kind,
              " node reads an input of shape ",
              shape_str(in.empty() ? std::vector<int64_t>{} : in[0]), "; expected ", in_n_,
              " values per sample.");
    conv_out_ = transpose ? conv_in : conv_out;
    const int64_t pooled_width = windows_ ? windows_per_sample() * geom_.O : geom_.O;
    PFF_CHECK(spec_.width() == (pooled_ ? pooled_width : conv_out_), "[program] ", spec_.kind,
              " node's shape ", shape_str(spec_.shape), " does not hold its output.");
    check_kernel_and_bias(spec_, geom_.patch() * geom_.O, channels_);
    act_ = parse_activation(spec_.name("activation"));
    alpha_ = static_cast<float>(spec_.number("alpha", 0.0));
    PFF_CHECK(!pooled_ || !detail::rowwise(act_), "[program] a pooled ", spec_.kind,
              " node's activation must be elementwise.");
  }

  void reserve(int64_t batch) override {
    if (windows_) {  // only the pooled values' argmax and z there
      first_ = Tensor::empty({batch, width()}, DType::int32);
      if (activation_backward_needs_input(act_)) pre_ = Tensor::empty({batch, width()});
      return;
    }
    // The pre-activation is kept only for activations whose backward reads it.
    if (activation_backward_needs_input(act_)) pre_ = Tensor::empty({batch, conv_out_});
    if (pooled_) full_ = Tensor::empty({batch, conv_out_});
    if (windows_) {
      first_ = Tensor::empty({batch, width()}, DType::int32);  // the pooling's argmax
    } else if (pooled_) {
      first_ = Tensor::empty({batch, geom_.O}, DType::int32);
      ties_ = Tensor::empty({batch, geom_.O}, DType::int32);
    }
  }

  int64_t scratch_per_row() const override {
    if (windows_) return 2 * width();
    return (activation_backward_needs_input(act_) ? conv_out_ : 0) + (pooled_ ? conv_out_ : 0);
  }

  void forward(const Pass& p) override {
    int64_t rows = p.r1 - p.r0, w = width();
    cpu::ConvGeom g = geom_;
    g.N = rows;
    const float* x = in(p) + p.r0 * in_n_;
    float* y = out(p) + p.r0 * w;
    if (windows_) {
      cpu::PoolGeom pg = pool_;
      pg.N = rows;
      cpu::conv_max_pool_forward(x, kernel(), bias(), act_, alpha_, y,
                                 first_.data<int32_t>() + p.r0 * w,
                                 has(pre_) ? pre_.f32() + p.r0 * w : nullptr, g, pg);
      return;
    }
    float* z = has(pre_) ? pre_.f32() + p.r0 * conv_out_ : nullptr;
    if (pooled_) {  // the two eager ops' kernels: the fused convolution, then the max
      float* full = full_.f32() + p.r0 * conv_out_;
      cpu::conv_forward_fused(x, kernel(), bias(), act_, alpha_, z, full, g);
      cpu::reduce_f32(Reduce::max, full, y, rows, geom_.positions(), geom_.O);
      if (p.training)
        cpu::global_max_positions(full, y, first_.data<int32_t>() + p.r0 * geom_.O,
                                  ties_.data<int32_t>() + p.r0 * geom_.O, rows,
                                  geom_.positions(), geom_.O);
      return;
    }
    if (!transpose) {  // as the eager layer's fused op
      cpu::conv_forward_fused(x, kernel(), bias(), act_, alpha_, z, y, g);
      return;
    }
    float* zt = z ? z : y;
    cpu::conv_backward_input(x, kernel(), zt, g);
    int64_t positions = rows * w / channels_;
    if (const float* b = bias()) {
      for (int64_t q = 0; q < positions; ++q) {
        float* row = zt + q * channels_;
        for (int64_t o = 0; o < channels_; ++o) row[o] += b[o];
      }
    }
    if (act_ != Activation::linear || zt != y)  // softmax: over each position's filters
      cpu::activation_forward(act_, zt, y, act_rows(act_, positions),
                              act_cols(act_, positions, channels_), alpha_);
  }

  void backward(Backward& b) override {
    cpu::ConvGeom g = geom_;
    g.N = b.batch;
    int64_t positions = b.batch * conv_out_ / channels_;
    const float* z = detail::ptr_or_null(pre_);
    float* db = bias() ? b.param_grad(1) : nullptr;
    float* dk = b.param_grad(0);
    float* dx = b.input_grad(0);
    if (blocked_) {
      cpu::PoolGeom pg = pool_;
      pg.N = b.batch;
      cpu::conv_max_pool_backward(b.g, first_.data<int32_t>(), out(b), z, act_, alpha_, in(b),
                                  kernel(), dk, db, dx, g, pg);
    } else if (pooled_) {
      auto entries =
          windows_ ? cpu::max_pool_grad_entries(act_, alpha_, b.g, first_.data<int32_t>(),
                                                out(b), z, b.batch, windows_per_sample(),
                                                geom_.O)
                   : cpu::global_max_grad_entries(
                         act_, alpha_, b.g, out(b), full_.f32(), z, first_.data<int32_t>(),
                         ties_.data<int32_t>(), b.batch, geom_.positions(), geom_.O);
      cpu::conv_backward_at(entries, in(b), kernel(), dk, db, dx, g);
    } else if (!transpose && !dx) {  // a first layer: the eager op's kernel-only backward
      cpu::conv_backward_kernel_fused(act_, alpha_, b.g, z, out(b), in(b), dk, db, g);
    } else {
      // dz in place of the node's gradient (which nothing reads afterwards).
      cpu::conv_epilogue_backward(act_, alpha_, b.g, z, out(b), b.g, db, positions,
                                  channels_);
      // The transposed node's kernel gradient is the described convolution's, whose
      // input is this node's output gradient and whose output gradient its input.
      if (transpose)
        cpu::conv_backward_kernel(in(b), b.g, dk, g);
      else
        cpu::conv_backward_kernel(b.g, in(b), dk, g);
      if (dx) {
        if (transpose)
          cpu::conv_forward(b.g, kernel(), dx, g);
        else
          cpu::conv_backward_input(b.g, kernel(), dx, g);
      }
    }
    if (db) b.finish_param_grad(1, db);
    b.finish_param_grad(0, dk);
    if (dx) b.add_input_grad(0, dx);
  }

 private:
  float* kernel() const { return spec_.params[0].weight.f32(); }
  float* bias() const { return spec_.params.size() > 1 ? spec_.params[1].weight.f32() : nullptr; }

  /** Pooling windows per sample ("max_pool"). */
  int64_t windows_per_sample() const { return pool_.OD * pool_.OH * pool_.OW; }

  cpu::ConvGeom geom_{};
  int64_t in_n_ = 0, channels_ = 1;  // input values per sample; output channels
  int64_t conv_out_ = 0;             // output values per sample before any pooling
  bool pooled_ = false;              // names["reduce"]: "max" or "max_pool"
  bool windows_ = false;             // "max_pool": windows pool_, else a global max
  bool blocked_ = false;             // windows over few channels: dense backward by blocks
  cpu::PoolGeom pool_{};
  Activation act_ = Activation::linear;
  float alpha_ = 0.f;
  Tensor pre_;
  Tensor full_, first_, ties_;  // pooled: act(conv) and where each max is (argmax, ties)
};

using ForwardConvNode = ConvNode<false>;
using TransposedConvNode = ConvNode<true>;

}  // namespace

PFF_NODE("conv", ForwardConvNode);
PFF_NODE("conv_transpose", TransposedConvNode);

}  // namespace pyfastfit::program
