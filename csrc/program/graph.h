// The description of a model that a Program can run: a topologically ordered list of
// nodes over per-sample feature vectors. Every activation is a (B, width) row-major
// buffer; Flatten/Reshape/InputLayer are identities in that representation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "cpu/activation.h"
#include "cpu/constraints.h"

namespace pyfastfit::program {

enum class NodeKind { input, identity, dense, activation, dropout, add, subtract,
                      multiply, average, maximum, minimum, concatenate };

/** One node of the graph. `inputs` index earlier nodes. */
struct NodeSpec {
  NodeKind kind = NodeKind::identity;
  std::vector<int> inputs;
  int64_t width = 0;  // features per sample of this node's output
  // dense
  Tensor kernel, bias;  // share storage with the model's Variables
  int kernel_param = -1;  // index in the optimizer's parameter list, -1 if frozen
  int bias_param = -1;
  // dense: weight penalties l1 * sum|w| + l2 * sum w^2 (the L1 / L2 / L1L2 regularizers),
  // added to the loss and their gradients to dW / db
  float kernel_l1 = 0.f, kernel_l2 = 0.f, bias_l1 = 0.f, bias_l2 = 0.f;
  // dense: activity penalty (l1 * sum|out| + l2 * sum out^2) / batch of each batch's
  // output (Layer.activity_regularizer), added to the loss and its gradient to out's
  float activity_l1 = 0.f, activity_l2 = 0.f;
  // dense: constraints applied to the trained kernel / bias after each update
  cpu::ConstraintSpec kernel_constraint, bias_constraint;
  // dense / activation
  cpu::Activation act = cpu::Activation::linear;
  float alpha = 0.f;
  // dropout: the mask of training step s of a call is drawn with counter
  // counters[dropout index] + s + 1 (the eager layer's counter, incremented per call)
  float rate = 0.f;
  uint64_t seed = 0;
};

/** Parses a node kind name ("dense", "add", ...); throws on others. */
NodeKind parse_node_kind(const std::string& name);
/** The name parse_node_kind reads. */
std::string node_kind_name(NodeKind kind);

}  // namespace pyfastfit::program
