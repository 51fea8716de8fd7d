// The node registry and NodeSpec's attribute accessors.
#include "program/node.h"

#include <cmath>
#include <unordered_map>

#include "core/check.h"

namespace pyfastfit::program {

namespace {
std::unordered_map<std::string, NodeFactory>& factories() {
  static std::unordered_map<std::string, NodeFactory> f;
  return f;
}
}  // namespace

NodeRegistrar::NodeRegistrar(const char* kind, NodeFactory make) { factories()[kind] = make; }

std::unique_ptr<Node> make_node(NodeSpec spec,
                                const std::vector<std::vector<int64_t>>& in_shapes) {
  auto it = factories().find(spec.kind);
  PFF_CHECK(it != factories().end(), "[program] unknown node kind '", spec.kind, "'.");
  for (int64_t d : spec.shape)
    PFF_CHECK(d >= 1, "[program] ", spec.kind, " node has output shape ",
              shape_str(spec.shape), "; every dimension must be >= 1.");
  PFF_CHECK(spec.activity_l1 >= 0.f && spec.activity_l2 >= 0.f, "[program] ", spec.kind,
            " node has a negative activity penalty.");
  for (auto& p : spec.params) {
    check_float32(p.weight, "program", "weight");
    PFF_CHECK(p.l1 >= 0.f && p.l2 >= 0.f && std::isfinite(p.l1) && std::isfinite(p.l2),
              "[program] ", spec.kind, " node has a penalty coefficient (", p.l1, ", ", p.l2,
              "); expected finite numbers >= 0.");
  }
  int64_t width = spec.width();
  auto node = it->second(std::move(spec), in_shapes);
  node->width_ = width;
  return node;
}

std::pair<int64_t, int64_t> Node::constraint_dims(int k) const {
  const Tensor& w = spec_.params[k].weight;
  int64_t rows = w.ndim() ? w.dim(0) : 1;
  return {rows, rows ? w.numel() / rows : 0};
}

int64_t shape_numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t NodeSpec::width() const { return shape_numel(shape); }

void check_kernel_and_bias(const NodeSpec& s, int64_t kernel_values, int64_t units) {
  PFF_CHECK(!s.params.empty() && s.params.size() <= 2, "[program] ", s.kind,
            " node needs a kernel and at most a bias.");
  PFF_CHECK(s.params[0].weight.numel() == kernel_values, "[program] ", s.kind,
            " node's kernel has ", s.params[0].weight.numel(), " values; expected ",
            kernel_values, ".");
  PFF_CHECK(s.params.size() < 2 || s.params[1].weight.numel() == units, "[program] ", s.kind,
            " node has ", s.params[1].weight.numel(), " biases for ", units, " units.");
}

double NodeSpec::number(const std::string& key) const {
  auto it = numbers.find(key);
  PFF_CHECK(it != numbers.end() && it->second.size() == 1, "[program] ", kind,
            " node needs the number '", key, "'.");
  return it->second[0];
}

double NodeSpec::number(const std::string& key, double fallback) const {
  auto it = numbers.find(key);
  return it == numbers.end() || it->second.empty() ? fallback : it->second[0];
}

std::vector<int64_t> NodeSpec::ints(const std::string& key, size_t n) const {
  auto it = numbers.find(key);
  PFF_CHECK(it != numbers.end() && it->second.size() == n, "[program] ", kind,
            " node needs '", key, "' with ", n, " integers.");
  std::vector<int64_t> out;
  for (double v : it->second) out.push_back(static_cast<int64_t>(v));
  return out;
}

const std::string& NodeSpec::name(const std::string& key) const {
  auto it = names.find(key);
  PFF_CHECK(it != names.end(), "[program] ", kind, " node needs the name '", key, "'.");
  return it->second;
}

const Tensor& NodeSpec::tensor(const std::string& key) const {
  auto it = tensors.find(key);
  PFF_CHECK(it != tensors.end(), "[program] ", kind, " node needs the tensor '", key, "'.");
  return it->second;
}

}  // namespace pyfastfit::program
