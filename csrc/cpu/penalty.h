// Weight penalties of the L1 / L2 / L1L2 regularizers, for the fast path's loss and
// gradients (the eager path builds the same formula from ops).
#pragma once
#include <cstdint>

namespace pyfastfit::cpu {

/** l1 * sum(|w|) + l2 * sum(w^2) over n weights, each sum taken in double and rounded
 *  to float before it is scaled, as ops.sum then ops.multiply do; a zero coefficient
 *  drops its term. */
float weight_penalty(const float* w, int64_t n, float l1, float l2);

/** g += l1 * sign(w) + 2 * l2 * w: the penalty's gradient added to a weight gradient. */
void add_penalty_grad(float* g, const float* w, int64_t n, float l1, float l2);

}  // namespace pyfastfit::cpu
