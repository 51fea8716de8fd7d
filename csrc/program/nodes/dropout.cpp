// Dropout node: the eager layer's counter-based masks (cpu/random.h), so a step draws
// the same mask on both paths. Mask indices are the element's place in the whole batch.
// With a per-sample "mask" shape smaller than the input's (SpatialDropout1D/2D, a
// noise_shape), one mask value is drawn per mask element and broadcast, as the eager
// layer's dropout(ones(noise_shape)) * inputs.
#include <algorithm>
#include <cstring>

#include "core/check.h"
#include "cpu/random.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class DropoutNode final : public Node {
 public:
  DropoutNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1 && in[0] == spec_.shape,
              "[program] dropout node takes one input of its own shape.");
    rate_ = static_cast<float>(spec_.number("rate"));
    PFF_CHECK(rate_ >= 0.f && rate_ < 1.f, "[program] dropout rate ", rate_,
              " must be in [0, 1).");
    auto& shape = spec_.shape;
    std::vector<int64_t> mask = spec_.numbers.count("mask")
                                    ? spec_.ints("mask", shape.size()) : shape;
    if (mask == shape) return;
    // index_[i]: the mask element of sample element i (row-major over `shape`).
    int64_t n = spec_.width();
    mask_w_ = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
      PFF_CHECK(mask[d] == 1 || mask[d] == shape[d], "[program] dropout mask shape ",
                shape_str(mask), " does not broadcast to ", shape_str(shape), ".");
      mask_w_ *= mask[d];
    }
    index_.resize(n);
    for (int64_t i = 0; i < n; ++i) {
      int64_t rest = i, m = 0, stride = 1;
      for (size_t d = shape.size(); d-- > 0;) {
        int64_t coord = rest % shape[d];
        rest /= shape[d];
        if (mask[d] != 1) m += coord * stride;
        stride *= mask[d];
      }
      index_[i] = m;
    }
  }

  bool random() const override { return true; }

  void reserve(int64_t batch) override {
    if (index_.empty()) {
      mask_ = Tensor::empty({batch, width()});
      return;
    }
    mask_ = Tensor::empty({batch, mask_w_});
    drawn_ = Tensor::empty({batch, mask_w_});
    ones_ = Tensor::empty({batch, mask_w_});
    std::fill(ones_.f32(), ones_.f32() + batch * mask_w_, 1.f);
  }

  void forward(const Pass& p) override {
    int64_t w = width(), off = p.r0 * w, cnt = (p.r1 - p.r0) * w;
    if (!p.training || rate_ == 0.f) {
      std::memcpy(out(p) + off, in(p) + off, sizeof(float) * cnt);
    } else if (index_.empty()) {
      cpu::dropout_forward_range(in(p), out(p), mask_.f32(), off, off + cnt, rate_,
                                 spec_.seed, p.counter);
    } else {
      cpu::dropout_forward_range(ones_.f32(), drawn_.f32(), mask_.f32(), p.r0 * mask_w_,
                                 p.r1 * mask_w_, rate_, spec_.seed, p.counter);
      for (int64_t n = p.r0; n < p.r1; ++n) {
        const float* x = in(p) + n * w;
        const float* m = drawn_.f32() + n * mask_w_;
        float* y = out(p) + n * w;
        for (int64_t i = 0; i < w; ++i) y[i] = x[i] * m[index_[i]];
      }
    }
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    int64_t w = width(), cnt = b.batch * w;
    if (rate_ == 0.f) {
      if (dx != b.g) std::memcpy(dx, b.g, sizeof(float) * cnt);
    } else if (index_.empty()) {
      const float* m = mask_.f32();
      for (int64_t k = 0; k < cnt; ++k) dx[k] = b.g[k] * m[k];
    } else {
      for (int64_t n = 0; n < b.batch; ++n) {
        const float* m = drawn_.f32() + n * mask_w_;
        for (int64_t i = 0; i < w; ++i) dx[n * w + i] = b.g[n * w + i] * m[index_[i]];
      }
    }
    b.add_input_grad(0, dx);
  }

 private:
  float rate_ = 0.f;
  Tensor mask_, drawn_, ones_;
  int64_t mask_w_ = 0;
  std::vector<int64_t> index_;  // empty: one mask value per element
};

}  // namespace

PFF_NODE("dropout", DropoutNode);

}  // namespace pyfastfit::program
