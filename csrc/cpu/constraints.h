// Weight constraints (Keras's MaxNorm, MinMaxNorm, NonNeg, UnitNorm) applied in place
// after an update, for the fast path; the eager path builds the same formulas from ops.
#pragma once
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

enum class ConstraintKind { none, max_norm, min_max_norm, non_neg, unit_norm };

/** A constraint and its arguments; `axis` 0 takes norms over the rows of a (rows, cols)
 *  weight (one per column: a Dense unit's incoming weights), 1 over the columns. */
struct ConstraintSpec {
  ConstraintKind kind = ConstraintKind::none;
  float min_value = 0.f, max_value = 0.f;
  float rate = 1.f, keep = 0.f;  // MinMaxNorm: rate and 1 - rate (rounded from double)
  int axis = 0;
};

/** Parses "max_norm", "min_max_norm", "non_neg", "unit_norm" or "none"; throws on others. */
ConstraintKind parse_constraint_kind(const std::string& name);

/** w (rows x cols, row-major) = constraint(w), with Keras's formulas and the eager ops'
 *  roundings: norms are sqrt(sum(w^2)) over `axis` (reduce_f32, as ops.sum);
 *  MaxNorm / MinMaxNorm scale w by desired / (1e-7 + norm), UnitNorm divides it by
 *  1e-7 + norm. `squares` holds rows * cols floats, `norms` max(rows, cols). */
void apply_constraint(const ConstraintSpec& c, float* w, int64_t rows, int64_t cols,
                      float* squares, float* norms);

}  // namespace pyfastfit::cpu
