// Upsample node (UpSampling1D/2D "nearest", RepeatVector): out[h, w] = in[h / sh, w / sw]
// over NHWC samples (1-D as H = 1; RepeatVector is a 1 x 1 input repeated along W). The
// backward sums each input position's copies in order.
#include <cstring>

#include "core/check.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class UpsampleNode final : public Node {
 public:
  UpsampleNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    auto i = spec_.ints("in", 3), sz = spec_.ints("size", 2);
    H_ = i[0], W_ = i[1], C_ = i[2], sh_ = sz[0], sw_ = sz[1];
    PFF_CHECK(H_ >= 1 && W_ >= 1 && C_ >= 1 && sh_ >= 1 && sw_ >= 1,
              "[program] upsample node has an empty input or a size < 1.");
    PFF_CHECK(in.size() == 1 && shape_numel(in[0]) == H_ * W_ * C_, "[program] upsample node reads an input ",
              "that is not (", H_, ", ", W_, ", ", C_, ").");
    PFF_CHECK(spec_.width() == H_ * sh_ * W_ * sw_ * C_, "[program] upsample node's shape ",
              shape_str(spec_.shape), " does not hold its output.");
  }

  void forward(const Pass& p) override {
    int64_t OW = W_ * sw_;
    for (int64_t n = p.r0; n < p.r1; ++n) {
      const float* x = in(p) + n * H_ * W_ * C_;
      float* y = out(p) + n * width();
      for (int64_t h = 0; h < H_ * sh_; ++h)
        for (int64_t w = 0; w < OW; ++w)
          std::memcpy(y + (h * OW + w) * C_, x + ((h / sh_) * W_ + w / sw_) * C_,
                      sizeof(float) * C_);
    }
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    int64_t OW = W_ * sw_;
    std::memset(dx, 0, sizeof(float) * b.batch * H_ * W_ * C_);
    for (int64_t n = 0; n < b.batch; ++n) {
      const float* g = b.g + n * width();
      float* d = dx + n * H_ * W_ * C_;
      for (int64_t h = 0; h < H_ * sh_; ++h)
        for (int64_t w = 0; w < OW; ++w) {
          const float* src = g + (h * OW + w) * C_;
          float* dst = d + ((h / sh_) * W_ + w / sw_) * C_;
          for (int64_t c = 0; c < C_; ++c) dst[c] += src[c];
        }
    }
    b.add_input_grad(0, dx);
  }

 private:
  int64_t H_, W_, C_, sh_, sw_;
};

}  // namespace

PFF_NODE("upsample", UpsampleNode);

}  // namespace pyfastfit::program
