// A Program's unit of work: one node kind is one class in program/nodes/<kind>.cpp,
// registered by name, which checks its spec, keeps the buffers its backward needs, and
// runs forward and backward on the same cpu:: kernels as the eager ops. The Program
// owns the graph around it: buffers of values and gradients, gradient routing between
// nodes, parameters (optimizer slots, penalties, constraints) and the loops.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "cpu/constraints.h"

namespace pyfastfit::program {

/** One weight a node reads: shared storage with the model's Variable. */
struct ParamSpec {
  Tensor weight;
  int slot = -1;  // index in the optimizer's parameter list, -1 when not trained
  // Weight penalty l1 * sum|w| + l2 * sum w^2 (the L1 / L2 / L1L2 regularizers), added
  // to the loss once per step and its gradient to the parameter's.
  float l1 = 0.f, l2 = 0.f;
  ConstraintSpec constraint;  // applied after each update
};

/** What the Python translator of a layer call hands over: the kind, the input nodes,
 *  the per-sample output shape and the attributes the kind reads. */
struct NodeSpec {
  std::string kind;
  std::vector<int> inputs;
  std::vector<int64_t> shape;  // per sample (no batch axis)
  std::map<std::string, std::vector<double>> numbers;
  std::map<std::string, std::string> names;
  std::map<std::string, Tensor> tensors;  // state besides parameters (moving statistics)
  std::vector<ParamSpec> params;
  // Activity penalty (l1 * sum|out| + l2 * sum out^2) / batch of each batch's output
  // (Layer.activity_regularizer), added to the loss and its gradient to out's.
  float activity_l1 = 0.f, activity_l2 = 0.f;
  uint64_t seed = 0;  // a random node's seed (the eager layer's)

  int64_t width() const;
  /** The number `key` (an error naming the node kind if absent). */
  double number(const std::string& key) const;
  double number(const std::string& key, double fallback) const;
  /** The integer list `key`, which must have `n` entries. */
  std::vector<int64_t> ints(const std::string& key, size_t n) const;
  const std::string& name(const std::string& key) const;
  const Tensor& tensor(const std::string& key) const;
};

/** One forward call: rows [r0, r1) of a batch of `batch` rows. Row-wise nodes get a
 *  share of the rows (the Program splits the batch over the cores once per run of such
 *  nodes); the others get the whole batch. */
struct Pass {
  float* const* values;  // every node's value buffer at row 0
  int self;
  int64_t r0, r1, batch;
  bool training;
  uint64_t counter;  // a random node's draw counter for this call
};

/** The Program's side of one node's backward. */
class Backward {
 public:
  int64_t batch = 0;
  float* g = nullptr;  // d loss / d this node's output (batch, width); may be overwritten
  float* const* values = nullptr;
  int self = -1;

  /** Where to write d loss / d input k, or null when input k needs no gradient. */
  virtual float* input_grad(int k) = 0;
  /** Adds dx (batch x input k's width; usually the buffer input_grad(k) gave) into
   *  input k's gradient. Call it before asking for the next input's buffer. */
  virtual void add_input_grad(int k, float* dx) = 0;
  /** Where to write parameter k's gradient (always valid). */
  virtual float* param_grad(int k) = 0;
  /** After param_grad(k) was written: adds the weight penalty's gradient, or adds it
   *  into the total of a parameter used by several nodes. */
  virtual void finish_param_grad(int k, float* grad) = 0;
  /** Whether parameter k is updated inside this backward (update_slice) instead of by
   *  the optimizer step after it. */
  virtual bool fused(int k) const = 0;
  /** Penalty gradient and optimizer update of elements [off, off + n) of parameter k,
   *  from its gradient at param_grad(k) + off. */
  virtual void update_slice(int k, int64_t off, int64_t n) = 0;

 protected:
  ~Backward() = default;
};

class Node {
 public:
  explicit Node(NodeSpec spec) : spec_(std::move(spec)) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const NodeSpec& spec() const { return spec_; }
  NodeSpec& spec() { return spec_; }
  int64_t width() const { return width_; }

  /** Allocates the node's own buffers for `batch` rows (pre-activations, masks...). */
  virtual void reserve(int64_t batch) {}
  /** Floats per row of those buffers (the Program sizes inference chunks by them). */
  virtual int64_t scratch_per_row() const { return 0; }
  /** Whether forward may run on a share of the batch's rows. */
  virtual bool row_wise(bool training) const { return true; }
  /** Whether the output is input 0's buffer (Flatten, Reshape...). */
  virtual bool aliases_input() const { return false; }
  /** Whether each training call draws random numbers (one counter per call). */
  virtual bool random() const { return false; }
  /** Whether parameter k may be updated block by block inside backward. */
  virtual bool can_fuse_update(int k) const { return false; }
  /** (rows, cols) a norm constraint of parameter k works over. */
  virtual std::pair<int64_t, int64_t> constraint_dims(int k) const;

  virtual void forward(const Pass& p) = 0;
  virtual void backward(Backward& b) = 0;

 protected:
  const float* in(const Pass& p, int k = 0) const { return p.values[spec_.inputs[k]]; }
  float* out(const Pass& p) const { return p.values[p.self]; }
  const float* in(const Backward& b, int k = 0) const { return b.values[spec_.inputs[k]]; }
  const float* out(const Backward& b) const { return b.values[b.self]; }
  /** Whether an optional buffer was allocated. */
  static bool has(const Tensor& t) { return t.raw() != nullptr; }

  NodeSpec spec_;
  int64_t width_ = 0;

 private:
  friend std::unique_ptr<Node> make_node(NodeSpec, const std::vector<std::vector<int64_t>>&);
};

/** The number of values of a per-sample shape. */
int64_t shape_numel(const std::vector<int64_t>& shape);

/** Checks a kernel-and-optional-bias parameter list (Dense, convolutions): params[0]
 *  holds `kernel_values`, params[1] (if any) `units` biases. */
void check_kernel_and_bias(const NodeSpec& spec, int64_t kernel_values, int64_t units);

/** Builds a node of spec.kind for inputs of the given per-sample shapes; the kind's
 *  constructor checks the spec and throws ValueError on a mismatch. */
std::unique_ptr<Node> make_node(NodeSpec spec,
                                const std::vector<std::vector<int64_t>>& in_shapes);

using NodeFactory = std::unique_ptr<Node> (*)(NodeSpec,
                                              const std::vector<std::vector<int64_t>>&);
struct NodeRegistrar {
  NodeRegistrar(const char* kind, NodeFactory make);
};

}  // namespace pyfastfit::program

/** Registers node class `Type`, constructed as Type(NodeSpec, in_shapes), under `kind`. */
#define PFF_NODE(kind, Type)                                                      \
  static ::pyfastfit::program::NodeRegistrar pff_node_reg_##Type(                 \
      kind, [](::pyfastfit::program::NodeSpec s,                                  \
               const std::vector<std::vector<int64_t>>& in) -> std::unique_ptr<   \
                   ::pyfastfit::program::Node> { return std::make_unique<Type>(std::move(s), in); })
