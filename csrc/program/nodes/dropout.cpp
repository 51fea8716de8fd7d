// Dropout node: the eager layer's counter-based masks (cpu/random.h), so a step draws
// the same mask on both paths. Mask indices are the element's place in the whole batch.
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
  }
  bool random() const override { return true; }
  void reserve(int64_t batch) override { mask_ = Tensor::empty({batch, width()}); }
  void forward(const Pass& p) override {
    int64_t w = width(), off = p.r0 * w, cnt = (p.r1 - p.r0) * w;
    if (p.training && rate_ > 0.f)
      cpu::dropout_forward_range(in(p), out(p), mask_.f32(), off, off + cnt, rate_, spec_.seed,
                                 p.counter);
    else
      std::memcpy(out(p) + off, in(p) + off, sizeof(float) * cnt);
  }
  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    int64_t cnt = b.batch * width();
    if (rate_ > 0.f) {
      const float* m = mask_.f32();
      for (int64_t k = 0; k < cnt; ++k) dx[k] = b.g[k] * m[k];
    } else if (dx != b.g) {
      std::memcpy(dx, b.g, sizeof(float) * cnt);
    }
    b.add_input_grad(0, dx);
  }

 private:
  float rate_ = 0.f;
  Tensor mask_;
};

}  // namespace

PFF_NODE("dropout", DropoutNode);

}  // namespace pyfastfit::program
