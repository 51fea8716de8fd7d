// Embedding node: rows of the table gathered by index (cpu::take, as ops.take), the
// table's gradient scattered back (cpu::take_backward). Indices arrive as the float32
// values of the model's input and are truncated as the eager layer's astype(int64).
#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/check.h"
#include "cpu/shape.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class EmbeddingNode final : public Node {
 public:
  EmbeddingNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in)
      : Node(std::move(s)) {
    const Tensor& table = spec_.params.at(0).weight;
    PFF_CHECK(spec_.params.size() == 1 && table.ndim() == 2, "[program] embedding node needs ",
              "one (input_dim, output_dim) table.");
    rows_ = table.dim(0), dim_ = table.dim(1);
    PFF_CHECK(in.size() == 1, "[program] embedding node takes one input.");
    positions_ = shape_numel(in[0]);
    PFF_CHECK(spec_.width() == positions_ * dim_, "[program] embedding node's shape ",
              shape_str(spec_.shape), " does not hold ", positions_, " rows of ", dim_, ".");
  }

  void reserve(int64_t batch) override {
    index_ = Tensor::empty({batch, positions_}, DType::int64);
  }

  void forward(const Pass& p) override {
    int64_t lo = p.r0 * positions_, hi = p.r1 * positions_;
    const float* x = in(p);
    int64_t* idx = index_.data<int64_t>();
    for (int64_t k = lo; k < hi; ++k) {
      float v = x[k];
      PFF_CHECK(!std::isnan(v), "Embedding '", spec_.name("layer"), "' received NaN indices.");
      int64_t i = static_cast<int64_t>(v);
      PFF_CHECK(i >= 0 && i < rows_ && std::abs(v) < 9.2e18f, "Embedding '",
                spec_.name("layer"), "': indices must lie in [0, input_dim=", rows_,
                "). Received an index of ", v, ".");
      idx[k] = i;
    }
    cpu::take(spec_.params[0].weight.f32(), out(p) + lo * dim_, sizeof(float), 1, rows_,
              dim_, idx + lo, hi - lo);
  }

  void backward(Backward& b) override {
    float* dw = b.param_grad(0);
    std::fill(dw, dw + rows_ * dim_, 0.f);
    cpu::take_backward(b.g, dw, 1, rows_, dim_, index_.data<int64_t>(), b.batch * positions_);
    b.finish_param_grad(0, dw);
  }

 private:
  int64_t rows_ = 0, dim_ = 0, positions_ = 1;
  Tensor index_;
};

}  // namespace

PFF_NODE("embedding", EmbeddingNode);

}  // namespace pyfastfit::program
