// The device-neutral kinds the kernels of every device take (activation, constraint,
// point loss, accuracy and reduction kinds) and their names: a CUDA backend reads the
// same enums as cpu::, and the bindings and the Program parse them once.
#pragma once
#include <string>

namespace pyfastfit {

enum class Activation {
  linear, relu, sigmoid, tanh, softmax, log_softmax, gelu, gelu_approximate, elu,
  selu, softplus, softsign, swish, leaky_relu, exponential, relu6, hard_sigmoid
};

/** Parses a Keras activation name ("relu", "silu" = "swish", ...); throws on others. */
Activation parse_activation(const std::string& name);
/** The canonical name of `a`. */
std::string activation_name(Activation a);
/** True when the backward needs the pre-activation z, not just the output. */
bool activation_backward_needs_input(Activation a);

enum class ConstraintKind { none, max_norm, min_max_norm, non_neg, unit_norm };

/** A constraint and its arguments; `axis` 0 takes norms over the rows of a (rows, cols)
 *  weight (one per column: a Dense unit's incoming weights), 1 over the columns. */
struct ConstraintSpec {
  ConstraintKind kind = ConstraintKind::none;
  float min_value = 0.f, max_value = 0.f;
  float rate = 1.f, keep = 0.f;  // MinMaxNorm: rate and 1 - rate (rounded from double)
  int axis = 0;
};

/** Parses "max_norm", "min_max_norm", "non_neg", "unit_norm" or "none"; throws on others. */
ConstraintKind parse_constraint_kind(const std::string& name);

enum class PointLoss {
  mse, mae, mape, msle, huber, log_cosh, hinge, squared_hinge, poisson
};

/** Parses a Keras loss name ("mean_squared_error"/"mse", "huber", ...); throws on others. */
PointLoss parse_point_loss(const std::string& name);

enum class AccuracyKind {
  values,        // v = y_pred itself (Mean over precomputed values); y_true unused
  exact,         // v = (y_true == y_pred)
  binary,        // v = (y_true == (y_pred > threshold))
  categorical,   // v = (argmax y_true == argmax y_pred), per row of `cols`
  sparse,        // v = (y_true[r] == argmax y_pred[r]), labels compared as floats
  top_k,         // v = argmax y_true in the top k of y_pred[r] (ties count as in)
  sparse_top_k,  // v = int(y_true[r]) in the top k of y_pred[r]
};
/** Parses "exact", "binary", "categorical", "sparse", "top_k" or "sparse_top_k". */
AccuracyKind parse_accuracy_kind(const std::string& name);

enum class Reduce { sum, mean, max, min, prod, var, std_, logsumexp };

/** Parses "sum", "mean", "max", "min", "prod", "var", "std", "logsumexp". */
Reduce parse_reduce(const std::string& name);

}  // namespace pyfastfit
