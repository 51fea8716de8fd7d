// Names of the device-neutral kinds (core/kinds.h).
#include "core/kinds.h"

#include <stdexcept>
#include <utility>

#include "core/check.h"

namespace pyfastfit {

Activation parse_activation(const std::string& name) {
  static const std::pair<const char*, Activation> table[] = {
      {"linear", Activation::linear},       {"relu", Activation::relu},
      {"sigmoid", Activation::sigmoid},     {"tanh", Activation::tanh},
      {"softmax", Activation::softmax},     {"log_softmax", Activation::log_softmax},
      {"gelu", Activation::gelu},           {"gelu_approximate", Activation::gelu_approximate},
      {"elu", Activation::elu},             {"selu", Activation::selu},
      {"softplus", Activation::softplus},   {"softsign", Activation::softsign},
      {"swish", Activation::swish},         {"silu", Activation::swish},
      {"leaky_relu", Activation::leaky_relu}, {"exponential", Activation::exponential},
      {"relu6", Activation::relu6},         {"hard_sigmoid", Activation::hard_sigmoid}};
  for (auto& [n, a] : table)
    if (name == n) return a;
  throw std::invalid_argument(str("[activation] unknown activation '", name, "'."));
}

std::string activation_name(Activation a) {
  static const char* names[] = {"linear", "relu", "sigmoid", "tanh", "softmax",
                                "log_softmax", "gelu", "gelu_approximate", "elu", "selu",
                                "softplus", "softsign", "swish", "leaky_relu",
                                "exponential", "relu6", "hard_sigmoid"};
  return names[static_cast<int>(a)];
}

bool activation_backward_needs_input(Activation a) {
  switch (a) {
    case Activation::gelu: case Activation::gelu_approximate: case Activation::elu:
    case Activation::selu: case Activation::softplus: case Activation::softsign:
    case Activation::swish: case Activation::leaky_relu:
      return true;
    default:
      return false;
  }
}

ConstraintKind parse_constraint_kind(const std::string& name) {
  if (name == "none") return ConstraintKind::none;
  if (name == "max_norm") return ConstraintKind::max_norm;
  if (name == "min_max_norm") return ConstraintKind::min_max_norm;
  if (name == "non_neg") return ConstraintKind::non_neg;
  if (name == "unit_norm") return ConstraintKind::unit_norm;
  throw std::invalid_argument("[constraint] unknown kind '" + name +
                              "'; expected max_norm, min_max_norm, non_neg or unit_norm.");
}

PointLoss parse_point_loss(const std::string& n) {
  if (n == "mean_squared_error" || n == "mse") return PointLoss::mse;
  if (n == "mean_absolute_error" || n == "mae") return PointLoss::mae;
  if (n == "mean_absolute_percentage_error" || n == "mape") return PointLoss::mape;
  if (n == "mean_squared_logarithmic_error" || n == "msle") return PointLoss::msle;
  if (n == "huber") return PointLoss::huber;
  if (n == "log_cosh") return PointLoss::log_cosh;
  if (n == "hinge") return PointLoss::hinge;
  if (n == "squared_hinge") return PointLoss::squared_hinge;
  if (n == "poisson") return PointLoss::poisson;
  PFF_CHECK(false, "[point_loss] unknown loss '", n,
            "'; expected one of mean_squared_error, mean_absolute_error, "
            "mean_absolute_percentage_error, mean_squared_logarithmic_error, huber, "
            "log_cosh, hinge, squared_hinge, poisson.");
  return PointLoss::mse;
}

Reduce parse_reduce(const std::string& n) {
  if (n == "sum") return Reduce::sum;
  if (n == "mean") return Reduce::mean;
  if (n == "max") return Reduce::max;
  if (n == "min") return Reduce::min;
  if (n == "prod") return Reduce::prod;
  if (n == "var") return Reduce::var;
  if (n == "std") return Reduce::std_;
  if (n == "logsumexp") return Reduce::logsumexp;
  PFF_CHECK(false, "[reduce] unknown reduction '", n,
            "': expected sum, mean, max, min, prod, var, std or logsumexp.");
  return Reduce::sum;
}

AccuracyKind parse_accuracy_kind(const std::string& n) {
  using K = AccuracyKind;
  static const std::pair<const char*, K> table[] = {
      {"exact", K::exact},   {"binary", K::binary},   {"categorical", K::categorical},
      {"sparse", K::sparse}, {"top_k", K::top_k},     {"sparse_top_k", K::sparse_top_k}};
  for (auto& [name, k] : table)
    if (n == name) return k;
  throw std::invalid_argument(str("[metrics] unsupported accuracy kind '", n, "'."));
}

}  // namespace pyfastfit
