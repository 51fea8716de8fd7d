// The optimizer step of a Program.
#include <algorithm>

#include "core/check.h"
#include "ops/optim.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

OptimizerSpec without_params(const OptimizerSpec& opt, const std::vector<bool>& skip) {
  // Nothing skipped (always so for nadam, whose u_product slot is not per parameter).
  if (std::none_of(skip.begin(), skip.end(), [](bool s) { return s; })) return opt;
  OptimizerSpec rest = opt;
  rest.params.clear();
  rest.weight_decay.clear();
  for (auto& s : rest.slots) s.clear();
  for (size_t p = 0; p < opt.params.size(); ++p) {
    if (skip[p]) continue;
    rest.params.push_back(opt.params[p]);
    if (!opt.weight_decay.empty()) rest.weight_decay.push_back(opt.weight_decay[p]);
    for (size_t k = 0; k < opt.slots.size(); ++k)
      if (!opt.slots[k].empty()) rest.slots[k].push_back(opt.slots[k][p]);
  }
  return rest;
}

void optimizer_step(OptimizerSpec& opt, const std::vector<Tensor>& grads, float lr) {
  *opt.learning_rate.f32() = lr;
  optimizer_update_(opt.algo, opt.params, grads, opt.slots, opt.learning_rate,
                    opt.iterations, opt.hyper, opt.clip_mode, opt.clip, opt.weight_decay);
}

}  // namespace pyfastfit::program
