// Name parsing and the optimizer step of a Program.
#include <algorithm>

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

void optimizer_step(OptimizerSpec& opt, const std::vector<Tensor>& grads,
                    const std::vector<bool>& fused, float lr) {
  *opt.learning_rate.f32() = lr;
  if (std::none_of(fused.begin(), fused.end(), [](bool f) { return f; })) {
    optimizer_update_(opt.algo, opt.params, grads, opt.slots, opt.learning_rate,
                      opt.iterations, opt.hyper, opt.clip_mode, opt.clip, opt.weight_decay);
    return;
  }
  // The lists without the fused parameters (reused: a step must not allocate).
  thread_local std::vector<Tensor> params, gs;
  thread_local std::vector<std::vector<Tensor>> slots;
  thread_local std::vector<float> decay;
  params.clear();
  gs.clear();
  decay.clear();
  slots.resize(opt.slots.size());
  for (auto& s : slots) s.clear();
  for (size_t p = 0; p < opt.params.size(); ++p) {
    if (fused[p]) continue;
    params.push_back(opt.params[p]);
    gs.push_back(grads[p]);
    if (!opt.weight_decay.empty()) decay.push_back(opt.weight_decay[p]);
    for (size_t k = 0; k < opt.slots.size(); ++k)
      if (!opt.slots[k].empty()) slots[k].push_back(opt.slots[k][p]);
  }
  optimizer_update_(opt.algo, params, gs, slots, opt.learning_rate, opt.iterations, opt.hyper,
                    opt.clip_mode, opt.clip, decay);
}

}  // namespace pyfastfit::program
