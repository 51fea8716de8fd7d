// Input and identity nodes. Every value is a (batch, width) row-major buffer, so
// Flatten, Reshape and InputLayer change nothing: an identity node reads its input's
// buffer in place.
#include "core/check.h"
#include "program/node.h"

namespace pyfastfit::program {
namespace {

class InputNode final : public Node {
 public:
  InputNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.empty(), "[program] an input node reads no other node.");
  }
  void forward(const Pass&) override {}
  void backward(Backward&) override {}
};

class IdentityNode final : public Node {
 public:
  IdentityNode(NodeSpec s, const std::vector<std::vector<int64_t>>& in) : Node(std::move(s)) {
    PFF_CHECK(in.size() == 1, "[program] identity node takes one input.");
    PFF_CHECK(shape_numel(in[0]) == spec_.width(), "[program] identity node of shape ", shape_str(spec_.shape),
              " reads an input of shape ", shape_str(in[0]), ".");
  }
  bool aliases_input() const override { return true; }
  void forward(const Pass&) override {}
  void backward(Backward& b) override {
    if (b.input_grad(0)) b.add_input_grad(0, b.g);
  }
};

}  // namespace

PFF_NODE("input", InputNode);
PFF_NODE("identity", IdentityNode);

}  // namespace pyfastfit::program
