// Name parsing and the optimizer step of a Program.
#include "core/check.h"
#include "ops/optim.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

NodeKind parse_node_kind(const std::string& n) {
  static const std::pair<const char*, NodeKind> table[] = {
      {"input", NodeKind::input},       {"identity", NodeKind::identity},
      {"dense", NodeKind::dense},       {"activation", NodeKind::activation},
      {"dropout", NodeKind::dropout},   {"add", NodeKind::add},
      {"subtract", NodeKind::subtract}, {"multiply", NodeKind::multiply},
      {"average", NodeKind::average},   {"maximum", NodeKind::maximum},
      {"minimum", NodeKind::minimum},   {"concatenate", NodeKind::concatenate}};
  for (auto& [name, k] : table)
    if (n == name) return k;
  throw std::invalid_argument(str("[program] unknown node kind '", n, "'."));
}

void optimizer_step(OptimizerSpec& opt, const std::vector<Tensor>& grads, float lr) {
  *opt.learning_rate.f32() = lr;
  optimizer_update_(opt.algo, opt.params, grads, opt.slots, opt.learning_rate,
                    opt.iterations, opt.hyper, opt.clip_mode, opt.clip, opt.weight_decay);
}

}  // namespace pyfastfit::program
