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

/** The value of an `iterations` scalar (int64, int32 or float32). */
int64_t iterations_done(const Tensor& iterations);

/** Whether optimizer_update_slice_ can run `algo` with `clip_mode`: not nadam (its
 *  u_product advances once per call), not the norm clips (they need whole gradients). */
bool optimizer_updates_slices(const std::string& algo, const std::string& clip_mode);

/** optimizer_update_'s arithmetic on one slice [0, n) of one variable at the step after
 *  `done` iterations, advancing nothing (the caller's optimizer_update_ over the other
 *  variables advances `iterations` once). A fast-path step updates a Dense kernel block
 *  by block while its gradient is still in cache. `slots` holds up to 3 pointers
 *  (null for unused slots), offset like `param`. */
void optimizer_update_slice_(const std::string& algo, const std::vector<double>& hyper,
                             float lr, int64_t done, float weight_decay,
                             const std::string& clip_mode, float clip, float* param,
                             const float* grad, float* const* slots, int64_t n);

/** Global L2 norm of a list of float32 tensors (sqrt of the sum of all squares). */
double global_norm(const std::vector<Tensor>& tensors);

}  // namespace pyfastfit
