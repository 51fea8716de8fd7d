// GaussianNoise node: in training, x + stddev * N(0, 1) from the eager layer's
// counter-based generator (cpu/random.h), indexed by the element's place in the whole
// batch; the identity otherwise. Its gradient passes through unchanged.
#include <cstring>

#include "core/check.h"
#include "cpu/random.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class GaussianNoiseNode final : public Node {
 public:
  GaussianNoiseNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1 && in[0] == spec_.shape,
              "[program] gaussian_noise node takes one input of its own shape.");
    stddev_ = static_cast<float>(spec_.number("stddev"));
    PFF_CHECK(stddev_ >= 0.f, "[program] gaussian_noise stddev ", stddev_, " must be >= 0.");
  }
  bool random() const override { return true; }
  void forward(const Pass& p) override {
    int64_t w = width(), off = p.r0 * w, cnt = (p.r1 - p.r0) * w;
    if (p.training)
      cpu::gaussian_noise_range(in(p), out(p), off, off + cnt, stddev_, spec_.seed, p.counter);
    else
      std::memcpy(out(p) + off, in(p) + off, sizeof(float) * cnt);
  }
  void backward(Backward& b) override {
    if (b.input_grad(0)) b.add_input_grad(0, b.g);
  }

 private:
  float stddev_ = 0.f;
};

}  // namespace

PFF_NODE("gaussian_noise", GaussianNoiseNode);

}  // namespace pyfastfit::program
