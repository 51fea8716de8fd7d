// Rescale node (the Rescaling layer): y = x * scale + offset, with scale and offset
// each one number or one per channel (the last axis). Its gradient is g * scale.
#include <vector>

#include "core/check.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class RescaleNode final : public Node {
 public:
  RescaleNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1 && in[0] == spec_.shape,
              "[program] rescale node takes one input of its own shape.");
    last_ = spec_.shape.empty() ? 1 : spec_.shape.back();
    scale_ = read("scale");
    offset_ = read("offset");
  }
  void forward(const Pass& p) override {
    int64_t w = width(), off = p.r0 * w, cnt = (p.r1 - p.r0) * w;
    const float* x = in(p) + off;
    float* y = out(p) + off;
    if (scale_.size() == 1 && offset_.size() == 1) {
      const float sc = scale_[0], o = offset_[0];
      if (o == 0.f) {  // Rescaling(1 / 255): one rounding, as the eager multiply
        for (int64_t i = 0; i < cnt; ++i) y[i] = x[i] * sc;
      } else {
        for (int64_t i = 0; i < cnt; ++i) y[i] = x[i] * sc + o;
      }
      return;
    }
    for (int64_t i = 0; i < cnt; ++i) {
      int64_t c = i % last_;  // rows start at multiples of the width, itself of last_
      y[i] = x[i] * at(scale_, c) + at(offset_, c);
    }
  }
  void backward(Backward& b) override {
    float* dx = b.input_grad(0);
    if (!dx) return;
    int64_t n = b.batch * width();
    for (int64_t i = 0; i < n; ++i) dx[i] = b.g[i] * at(scale_, i % last_);
    b.add_input_grad(0, dx);
  }

 private:
  std::vector<float> read(const char* key) const {
    auto it = spec_.numbers.find(key);
    PFF_CHECK(it != spec_.numbers.end() && !it->second.empty(),
              "[program] rescale node needs '", key, "'.");
    PFF_CHECK(it->second.size() == 1 || static_cast<int64_t>(it->second.size()) == last_,
              "[program] rescale node's '", key, "' has ", it->second.size(),
              " values for ", last_, " channels.");
    return std::vector<float>(it->second.begin(), it->second.end());
  }
  static float at(const std::vector<float>& v, int64_t c) {
    return v.size() == 1 ? v[0] : v[c];
  }

  int64_t last_ = 1;
  std::vector<float> scale_, offset_;
};

}  // namespace

PFF_NODE("rescale", RescaleNode);

}  // namespace pyfastfit::program
