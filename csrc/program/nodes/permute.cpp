// Permute node: moves the axes of each sample (Permute, and the edges of channels_first
// layers, which run channels_last between two permutes), then reads the result in the
// node's own shape (Flatten of channels_first data). Copies only, on cpu/shape.h's
// strided gather and its adjoint scatter.
#include "core/check.h"
#include "cpu/shape.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class PermuteNode final : public Node {
 public:
  PermuteNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1, "[program] permute node takes one input.");
    const auto& shape = in[0];
    auto perm = spec_.ints("perm", shape.size());
    std::vector<bool> seen(shape.size(), false);
    std::vector<int64_t> in_strides(shape.size(), 1);
    for (size_t d = shape.size(); d-- > 1;) in_strides[d - 1] = in_strides[d] * shape[d];
    for (int64_t p : perm) {
      PFF_CHECK(p >= 0 && p < static_cast<int64_t>(shape.size()) && !seen[p],
                "[program] permute node's perm is not a permutation of ", shape.size(),
                " axes.");
      seen[p] = true;
      counts_.push_back(shape[p]);
      strides_.push_back(in_strides[p]);
    }
    in_n_ = 1;
    for (int64_t d : shape) in_n_ *= d;
    PFF_CHECK(spec_.width() == in_n_, "[program] permute node's shape ",
              shape_str(spec_.shape), " does not hold its input of shape ", shape_str(shape),
              ".");
  }

  void forward(const Pass& p) override {
    if (p.r1 <= p.r0) return;
    cpu::strided_gather(in(p), out(p) + p.r0 * in_n_, sizeof(float), with_batch(p.r1 - p.r0),
                        batch_strides(), p.r0 * in_n_);
  }

  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    cpu::strided_scatter(b.g, dx, sizeof(float), with_batch(b.batch), batch_strides(), 0);
    b.add_input_grad(0, dx);
  }

 private:
  std::vector<int64_t> with_batch(int64_t rows) const {
    std::vector<int64_t> c{rows};
    c.insert(c.end(), counts_.begin(), counts_.end());
    return c;
  }
  std::vector<int64_t> batch_strides() const {
    std::vector<int64_t> s{in_n_};
    s.insert(s.end(), strides_.begin(), strides_.end());
    return s;
  }

  std::vector<int64_t> counts_, strides_;  // output axes: sizes and input strides
  int64_t in_n_ = 1;
};

}  // namespace

PFF_NODE("permute", PermuteNode);

}  // namespace pyfastfit::program
