// Op layer for optimizer steps: one call updates every variable of a training step in
// place (clipping, weight decay, slot updates, iteration counter), GIL released.
#pragma once
#include <string>
#include <vector>

#include "core/tensor.h"

namespace pyfastfit {

/** One optimizer step over all `params`, in place.
 *  algo: "sgd" | "rmsprop" | "adam" | "adagrad" | "adamax" | "nadam".
 *  slots: per-algorithm lists of slot tensors, each parallel to params (an empty list
 *    for an unused optional slot): sgd [momentums]; rmsprop [velocities, average_grads,
 *    momentums]; adam [momentums, velocities, velocity_hats]; adagrad [accumulators];
 *    adamax [momentums, norms]; nadam [momentums, velocities, [u_product]].
 *  learning_rate: float32 scalar tensor; iterations: int scalar tensor (steps done so
 *    far), incremented by one.
 *  hyper: sgd (momentum, nesterov); rmsprop (rho, momentum, epsilon); adam (beta_1,
 *    beta_2, epsilon); adagrad (epsilon); adamax/nadam (beta_1, beta_2, epsilon).
 *  clip_mode: "none" | "clipnorm" | "global_clipnorm" | "clipvalue" with threshold clip.
 *  weight_decay: per-variable decay rates (0 = none) or empty for no decay at all. */
void optimizer_update_(const std::string& algo, const std::vector<Tensor>& params,
                       const std::vector<Tensor>& grads,
                       const std::vector<std::vector<Tensor>>& slots,
                       const Tensor& learning_rate, const Tensor& iterations,
                       const std::vector<double>& hyper, const std::string& clip_mode,
                       float clip, const std::vector<float>& weight_decay);

/** Global L2 norm of a list of float32 tensors (sqrt of the sum of all squares). */
double global_norm(const std::vector<Tensor>& tensors);

}  // namespace pyfastfit
