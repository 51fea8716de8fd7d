// Merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum) inside a Program.
// The eager layers apply the same binary ops left to right, so sums match bit for bit.
#include <algorithm>

#include "cpu/elementwise.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

void merge_forward(NodeKind kind, const std::vector<int>& inputs,
                   const std::vector<float*>& values, int64_t off, float* out, int64_t n) {
  const float* a = values[inputs[0]] + off;
  std::copy(a, a + n, out);
  for (size_t k = 1; k < inputs.size(); ++k) {
    const float* v = values[inputs[k]] + off;
    switch (kind) {
      case NodeKind::add: case NodeKind::average:
        for (int64_t i = 0; i < n; ++i) out[i] += v[i];
        break;
      case NodeKind::subtract:
        for (int64_t i = 0; i < n; ++i) out[i] -= v[i];
        break;
      case NodeKind::multiply:
        for (int64_t i = 0; i < n; ++i) out[i] *= v[i];
        break;
      case NodeKind::maximum: case NodeKind::minimum: {
        // The eager kernel's rule (NaN propagates from either side), not std::max.
        bool is_max = kind == NodeKind::maximum;
        for (int64_t i = 0; i < n; ++i) out[i] = cpu::extremum(is_max, out[i], v[i]);
        break;
      }
      default:
        throw std::invalid_argument("[program] not a merge node.");
    }
  }
  if (kind == NodeKind::average) {
    float inv = 1.f / static_cast<float>(inputs.size());
    for (int64_t i = 0; i < n; ++i) out[i] *= inv;
  }
}

void merge_backward(NodeKind kind, const std::vector<int>& inputs, size_t k,
                    const std::vector<float*>& values, const float* out, const float* g,
                    float* dst, int64_t n) {
  switch (kind) {
    case NodeKind::add:
      std::copy(g, g + n, dst);
      break;
    case NodeKind::average: {
      float inv = 1.f / static_cast<float>(inputs.size());
      for (int64_t i = 0; i < n; ++i) dst[i] = g[i] * inv;
      break;
    }
    case NodeKind::subtract:
      for (int64_t i = 0; i < n; ++i) dst[i] = k == 0 ? g[i] : -g[i];
      break;
    case NodeKind::multiply:
      for (int64_t i = 0; i < n; ++i) {
        float p = g[i];
        for (size_t j = 0; j < inputs.size(); ++j)
          if (j != k) p *= values[inputs[j]][i];
        dst[i] = p;
      }
      break;
    case NodeKind::maximum: case NodeKind::minimum: {
      // The eager layer folds the inputs left to right, max(max(x0, x1), x2)...; each
      // binary step sends the gradient by cpu::extremum_grad_to_first, so element i's
      // gradient goes to exactly one input: the last one that won its step.
      bool is_max = kind == NodeKind::maximum;
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

}  // namespace pyfastfit::program
