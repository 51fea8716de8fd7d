// Weight constraints (Keras's MaxNorm, MinMaxNorm, NonNeg, UnitNorm) applied in place
// after an update, for the fast path; the eager path builds the same formulas from ops.
#pragma once
#include "core/kinds.h"
#include <cstdint>
#include <string>

namespace pyfastfit::cpu {

using ::pyfastfit::ConstraintKind;  // core/kinds.h
using ::pyfastfit::ConstraintSpec;  // core/kinds.h

/** w (rows x cols, row-major) = constraint(w), with Keras's formulas and the eager ops'
 *  roundings: norms are sqrt(sum(w^2)) over `axis` (reduce_f32, as ops.sum);
 *  MaxNorm / MinMaxNorm scale w by desired / (1e-7 + norm), UnitNorm divides it by
 *  1e-7 + norm. `squares` holds rows * cols floats, `norms` max(rows, cols). */
void apply_constraint(const ConstraintSpec& c, float* w, int64_t rows, int64_t cols,
                      float* squares, float* norms);

}  // namespace pyfastfit::cpu
