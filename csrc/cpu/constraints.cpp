// Weight constraints (cpu/constraints.h).
#include "cpu/constraints.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/check.h"
#include "cpu/reduce.h"

namespace pyfastfit::cpu {
namespace {

constexpr float kEpsilon = 1e-7f;  // Keras's backend.epsilon()

// Scales (or, for UnitNorm, divides) n weights `stride` apart by the constraint's factor
// for their norm, as the eager ops round it.
void rescale(const ConstraintSpec& c, float* w, int64_t n, int64_t stride, float norm) {
  float denom = kEpsilon + norm;
  if (c.kind == ConstraintKind::unit_norm) {
    for (int64_t i = 0; i < n; ++i) w[i * stride] = w[i * stride] / denom;
    return;
  }
  float desired;
  if (c.kind == ConstraintKind::max_norm) {
    desired = std::min(std::max(norm, 0.f), c.max_value);
  } else {
    float clipped = c.rate * std::min(std::max(norm, c.min_value), c.max_value);
    float kept = c.keep * norm;
    desired = clipped + kept;
  }
  float f = desired / denom;
  for (int64_t i = 0; i < n; ++i) w[i * stride] = w[i * stride] * f;
}

}  // namespace


void apply_constraint(const ConstraintSpec& c, float* w, int64_t rows, int64_t cols,
                      float* squares, float* norms) {
  if (c.kind == ConstraintKind::none) return;
  int64_t n = rows * cols;
  if (c.kind == ConstraintKind::non_neg) {  // w * (w >= 0), as the eager op (-x -> -0)
    for (int64_t i = 0; i < n; ++i) w[i] = w[i] * (w[i] >= 0.f ? 1.f : 0.f);
    return;
  }
  PFF_CHECK(c.axis == 0 || c.axis == 1, "[constraint] axis must be 0 or 1, got ", c.axis, ".");
  for (int64_t i = 0; i < n; ++i) squares[i] = w[i] * w[i];
  if (c.axis == 1) {  // one norm per row
    reduce_f32(Reduce::sum, squares, norms, rows, cols, 1);
    for (int64_t r = 0; r < rows; ++r) rescale(c, w + r * cols, cols, 1, std::sqrt(norms[r]));
  } else {  // one norm per column
    reduce_f32(Reduce::sum, squares, norms, 1, rows, cols);
    for (int64_t j = 0; j < cols; ++j) rescale(c, w + j, rows, cols, std::sqrt(norms[j]));
  }
}

}  // namespace pyfastfit::cpu
