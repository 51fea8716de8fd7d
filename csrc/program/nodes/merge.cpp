// Merge nodes (Add, Subtract, Multiply, Average, Maximum, Minimum) over inputs of one
// shape. The eager layers apply the same binary ops left to right, so sums match bit for
// bit.
#include <algorithm>

#include "core/check.h"
#include "cpu/elementwise.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

enum class Merge { add, subtract, multiply, average, maximum, minimum };

void merge_forward(Merge kind, const std::vector<int>& inputs,
                   float* const* values, int64_t off, float* out, int64_t n) {
  const float* a = values[inputs[0]] + off;
  std::copy(a, a + n, out);
  for (size_t k = 1; k < inputs.size(); ++k) {
    const float* v = values[inputs[k]] + off;
    switch (kind) {
      case Merge::add: case Merge::average:
        for (int64_t i = 0; i < n; ++i) out[i] += v[i];
        break;
      case Merge::subtract:
        for (int64_t i = 0; i < n; ++i) out[i] -= v[i];
        break;
      case Merge::multiply:
        for (int64_t i = 0; i < n; ++i) out[i] *= v[i];
        break;
      case Merge::maximum: case Merge::minimum: {
        // The eager kernel's rule (NaN propagates from either side), not std::max.
        bool is_max = kind == Merge::maximum;
        for (int64_t i = 0; i < n; ++i) out[i] = cpu::extremum(is_max, out[i], v[i]);
        break;
      }
      default:
        throw std::invalid_argument("[program] not a merge node.");
    }
  }
  if (kind == Merge::average) {
    float inv = 1.f / static_cast<float>(inputs.size());
    for (int64_t i = 0; i < n; ++i) out[i] *= inv;
  }
}

void merge_backward(Merge kind, const std::vector<int>& inputs, size_t k,
                    float* const* values, const float* out, const float* g,
                    float* dst, int64_t n) {
  switch (kind) {
    case Merge::add:
      std::copy(g, g + n, dst);
      break;
    case Merge::average: {
      float inv = 1.f / static_cast<float>(inputs.size());
      for (int64_t i = 0; i < n; ++i) dst[i] = g[i] * inv;
      break;
    }
    case Merge::subtract:
      for (int64_t i = 0; i < n; ++i) dst[i] = k == 0 ? g[i] : -g[i];
      break;
    case Merge::multiply:
      for (int64_t i = 0; i < n; ++i) {
        float p = g[i];
        for (size_t j = 0; j < inputs.size(); ++j)
          if (j != k) p *= values[inputs[j]][i];
        dst[i] = p;
      }
      break;
    case Merge::maximum: case Merge::minimum: {
      // The eager layer folds the inputs left to right, max(max(x0, x1), x2)...; each
      // binary step sends the gradient by cpu::extremum_grad_to_first, so element i's
      // gradient goes to exactly one input: the last one that won its step.
      bool is_max = kind == Merge::maximum;
      size_t m = inputs.size();
      for (int64_t i = 0; i < n; ++i) {
        float acc = values[inputs[0]][i];
        size_t winner = 0;
        for (size_t j = 1; j < m; ++j) {
          float v = values[inputs[j]][i];
          if (!cpu::extremum_grad_to_first(is_max, acc, v)) winner = j;
          acc = cpu::extremum(is_max, acc, v);
        }
        dst[i] = winner == k ? g[i] : 0.f;
      }
      break;
    }
    default:
      throw std::invalid_argument("[program] not a merge node.");
  }
}

template <Merge kind>
class MergeNode final : public Node {
 public:
  MergeNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(!in.empty(), "[program] ", spec_.kind, " node has no inputs.");
    for (auto& shape : in)
      PFF_CHECK(shape == spec_.shape, "[program] ", spec_.kind, " node of shape ",
                shape_str(spec_.shape), " reads an input of shape ", shape_str(shape), ".");
  }
  void forward(const Pass& p) override {
    int64_t w = width();
    merge_forward(kind, spec_.inputs, p.values, p.r0 * w, out(p) + p.r0 * w,
                  (p.r1 - p.r0) * w);
  }
  void backward(Backward& b) override {
    for (size_t k = 0; k < spec_.inputs.size(); ++k) {
      float* dx = b.input_grad(static_cast<int>(k));
      if (!dx) continue;
      merge_backward(kind, spec_.inputs, k, b.values, out(b), b.g, dx, b.batch * width());
      b.add_input_grad(static_cast<int>(k), dx);
    }
  }
};

using AddNode = MergeNode<Merge::add>;
using SubtractNode = MergeNode<Merge::subtract>;
using MultiplyNode = MergeNode<Merge::multiply>;
using AverageNode = MergeNode<Merge::average>;
using MaximumNode = MergeNode<Merge::maximum>;
using MinimumNode = MergeNode<Merge::minimum>;

}  // namespace

PFF_NODE("add", AddNode);
PFF_NODE("subtract", SubtractNode);
PFF_NODE("multiply", MultiplyNode);
PFF_NODE("average", AverageNode);
PFF_NODE("maximum", MaximumNode);
PFF_NODE("minimum", MinimumNode);

}  // namespace pyfastfit::program
