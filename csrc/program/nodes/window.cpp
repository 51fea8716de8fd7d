// Window node (ZeroPadding1D/2D, Cropping1D/2D): out[h, w] = in[h - top, w - left]
// where that is inside the input, else 0, over NHWC samples (1-D as H = 1). Padding
// has offsets >= 0, cropping <= 0. Only copies: both paths give the same bits.
#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class WindowNode final : public Node {
 public:
  WindowNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    auto i = spec_.ints("in", 3), o = spec_.ints("out", 2), off = spec_.ints("offset", 2);
    H_ = i[0], W_ = i[1], C_ = i[2], OH_ = o[0], OW_ = o[1], top_ = off[0], left_ = off[1];
    PFF_CHECK(H_ >= 1 && W_ >= 1 && C_ >= 1 && OH_ >= 1 && OW_ >= 1,
              "[program] window node has an empty input or output.");
    PFF_CHECK(in.size() == 1 && shape_numel(in[0]) == H_ * W_ * C_, "[program] window node reads an input ",
              "that is not (", H_, ", ", W_, ", ", C_, ").");
    PFF_CHECK(spec_.width() == OH_ * OW_ * C_, "[program] window node's shape ",
              shape_str(spec_.shape), " does not hold its output.");
    // The output columns [w0, w1) that read input columns (clipped to both).
    w0_ = std::clamp<int64_t>(left_, 0, OW_);
    w1_ = std::clamp<int64_t>(W_ + left_, w0_, OW_);
  }

  void forward(const Pass& p) override {
    for (int64_t n = p.r0; n < p.r1; ++n)
      copy(in(p) + n * H_ * W_ * C_, out(p) + n * width(), true);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    for (int64_t n = 0; n < b.batch; ++n)
      copy(b.g + n * width(), dx + n * H_ * W_ * C_, false);
    b.add_input_grad(0, dx);
  }

 private:
  /** forward: output sample from input sample; else the input gradient from the
   *  output's (the positions no output reads get 0). */
  void copy(const float* src, float* dst, bool forward) const {
    int64_t run = (w1_ - w0_) * C_;
    std::memset(dst, 0, sizeof(float) * (forward ? width() : H_ * W_ * C_));
    for (int64_t h = 0; h < OH_; ++h) {
      int64_t ih = h - top_;
      if (ih < 0 || ih >= H_ || run <= 0) continue;
      const float* from = forward ? src + (ih * W_ + w0_ - left_) * C_
                                  : src + (h * OW_ + w0_) * C_;
      float* to = forward ? dst + (h * OW_ + w0_) * C_ : dst + (ih * W_ + w0_ - left_) * C_;
      std::memcpy(to, from, sizeof(float) * run);
    }
  }

  int64_t H_, W_, C_, OH_, OW_, top_, left_, w0_ = 0, w1_ = 0;
};

}  // namespace

PFF_NODE("window", WindowNode);

}  // namespace pyfastfit::program
