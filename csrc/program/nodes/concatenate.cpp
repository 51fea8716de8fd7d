// Concatenate node: joins its inputs along the last axis (every other axis equal).
#include <cstring>

#include "core/check.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class ConcatenateNode final : public Node {
 public:
  ConcatenateNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    auto& shape = spec_.shape;
    PFF_CHECK(!in.empty() && !shape.empty(), "[program] concatenate node needs inputs.");
    int64_t total = 0;
    for (auto& si : in) {
      PFF_CHECK(si.size() == shape.size() &&
                    std::equal(si.begin(), si.end() - 1, shape.begin()),
                "[program] concatenate node of shape ", shape_str(shape),
                " reads an input of shape ", shape_str(si), ".");
      parts_.push_back(si.back());
      total += si.back();
    }
    PFF_CHECK(total == shape.back(), "[program] concatenate node has ", shape.back(),
              " features but its inputs add up to ", total, ".");
    cols_ = shape.back();
    outer_ = spec_.width() / cols_;  // positions per sample
  }
  void forward(const Pass& p) override {
    int64_t c = 0;
    for (size_t k = 0; k < parts_.size(); ++k) {
      int64_t ck = parts_[k];
      const float* src = in(p, static_cast<int>(k));
      float* dst = out(p);
      for (int64_t r = p.r0 * outer_; r < p.r1 * outer_; ++r)
        std::memcpy(dst + r * cols_ + c, src + r * ck, sizeof(float) * ck);
      c += ck;
    }
  }
  void backward(Backward& b) override {
    int64_t c = 0;
    for (size_t k = 0; k < parts_.size(); ++k) {
      int64_t ck = parts_[k];
      float* dx = b.input_grad(static_cast<int>(k));
      if (dx) {
        for (int64_t r = 0; r < b.batch * outer_; ++r)
          std::memcpy(dx + r * ck, b.g + r * cols_ + c, sizeof(float) * ck);
        b.add_input_grad(static_cast<int>(k), dx);
      }
      c += ck;
    }
  }

 private:
  std::vector<int64_t> parts_;
  int64_t cols_ = 1, outer_ = 1;
};

}  // namespace

PFF_NODE("concatenate", ConcatenateNode);

}  // namespace pyfastfit::program
