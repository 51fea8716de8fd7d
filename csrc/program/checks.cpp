// Name parsing and the optimizer step of a Program.
#include "core/check.h"
#include "ops/optim.h"
#include "program/step_parts.h"

namespace pyfastfit::program {

namespace {
const std::pair<const char*, NodeKind> kNodeKinds[] = {
    {"input", NodeKind::input},       {"identity", NodeKind::identity},
    {"dense", NodeKind::dense},       {"activation", NodeKind::activation},
    {"dropout", NodeKind::dropout},   {"add", NodeKind::add},
    {"subtract", NodeKind::subtract}, {"multiply", NodeKind::multiply},
    {"average", NodeKind::average},   {"maximum", NodeKind::maximum},
    {"minimum", NodeKind::minimum},   {"concatenate", NodeKind::concatenate}};
}  // namespace

NodeKind parse_node_kind(const std::string& n) {
  for (auto& [name, k] : kNodeKinds)
    if (n == name) return k;
  throw std::invalid_argument(str("[program] unknown node kind '", n, "'."));
}

std::string node_kind_name(NodeKind kind) {
  for (auto& [name, k] : kNodeKinds)
    if (k == kind) return name;
  return "?";
}

void optimizer_step(OptimizerSpec& opt, const std::vector<Tensor>& grads, float lr) {
  *opt.learning_rate.f32() = lr;
  optimizer_update_(opt.algo, opt.params, grads, opt.slots, opt.learning_rate,
                    opt.iterations, opt.hyper, opt.clip_mode, opt.clip, opt.weight_decay);
}

}  // namespace pyfastfit::program
