"""Fast path vs eager path, per loss and metric: with one seed, N steps give the same
weights, losses, metrics, evaluate() and predict() results to float32 round-off for each
built-in loss (reductions, logits, label smoothing) and metric (plain and weighted), and
for single-output compile options (loss weights, top-k wider than the classes)."""

from functools import partial

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    mlp,
    one_hot,
    record,
    twin,
)

O = keras.optimizers


# ---------------------------------------------------------------------- losses
def _targets(kind, units):
    rng = np.random.default_rng(3)
    if kind == "sparse":
        return class_labels(X, units)
    if kind == "onehot":
        return one_hot(class_labels(X, units), units)
    if kind == "binary":
        return (X[:, :units] + 0.3 * rng.normal(size=(len(X), units)) > 0).astype(np.float32)
    if kind == "signs":
        return np.where(X[:, :units] > 0, 1.0, -1.0).astype(np.float32)
    if kind == "positive":
        return (np.abs(X[:, :units]) + 0.5).astype(np.float32)
    if kind == "counts":
        return rng.poisson(np.exp(0.5 * X[:, :units])).astype(np.float32)
    return (X[:, :units] * 0.7 + 0.1 * X[:, units:2 * units]).astype(np.float32)


L = keras.losses


LOSSES = {
    # name: (loss factory, units, output activation, target kind)
    "sparse_cce": (lambda: "sparse_categorical_crossentropy", 3, "softmax", "sparse"),
    "sparse_cce_logits": (lambda: L.SparseCategoricalCrossentropy(from_logits=True), 3, None,
                          "sparse"),
    "sparse_cce_sum": (lambda: L.SparseCategoricalCrossentropy(reduction="sum"), 3,
                       "softmax", "sparse"),
    "cce": (lambda: "categorical_crossentropy", 4, "softmax", "onehot"),
    "cce_logits": (lambda: L.CategoricalCrossentropy(from_logits=True), 4, None, "onehot"),
    "bce": (lambda: "binary_crossentropy", 1, "sigmoid", "binary"),
    "bce_multilabel": (lambda: L.BinaryCrossentropy(), 3, "sigmoid", "binary"),
    "bce_logits": (lambda: L.BinaryCrossentropy(from_logits=True), 3, None, "binary"),
    "cce_label_smoothing": (lambda: L.CategoricalCrossentropy(label_smoothing=0.1), 4,
                            "softmax", "onehot"),
    "cce_logits_label_smoothing": (lambda: L.CategoricalCrossentropy(
        from_logits=True, label_smoothing=0.3), 4, None, "onehot"),
    "bce_label_smoothing": (lambda: L.BinaryCrossentropy(label_smoothing=0.2), 3, "sigmoid",
                            "binary"),
    "bce_logits_label_smoothing": (lambda: L.BinaryCrossentropy(
        from_logits=True, label_smoothing=0.05), 1, None, "binary"),
    "mse": (lambda: "mse", 2, None, "regression"),
    "mse_sum": (lambda: L.MeanSquaredError(reduction="sum"), 2, None, "regression"),
    "mse_function": (lambda: L.mean_squared_error, 2, None, "regression"),
    "mae": (lambda: "mae", 2, None, "regression"),
    "mape": (lambda: "mape", 2, "softplus", "positive"),
    "msle": (lambda: L.MeanSquaredLogarithmicError(), 2, "softplus", "positive"),
    "huber": (lambda: L.Huber(delta=0.5), 2, None, "regression"),
    "huber_default": (lambda: "huber", 2, None, "regression"),
    "log_cosh": (lambda: "log_cosh", 2, None, "regression"),
    "hinge": (lambda: "hinge", 1, "tanh", "signs"),
    "hinge_01": (lambda: L.Hinge(), 2, "tanh", "binary"),
    "squared_hinge": (lambda: L.SquaredHinge(), 2, "tanh", "signs"),
    "poisson": (lambda: "poisson", 2, "softplus", "counts"),
    "poisson_exp": (lambda: L.Poisson(), 2, "exponential", "counts"),
}


def test_label_smoothing_leaves_metric_targets_alone():
    """The loss reads smoothed targets; accuracy and mse read them as given."""
    y = one_hot(class_labels(X, 4), 4)
    build = partial(mlp, 4, "softmax", loss=L.CategoricalCrossentropy(label_smoothing=0.2),
                    metrics=["accuracy", "mse"])
    fast, eager = twin(build, lambda m: record(m, X, y, validation_split=0.25))
    assert_same(fast, eager)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_losses(name):
    loss, units, act, kind = LOSSES[name]
    y = _targets(kind, units)

    def build():
        return mlp(units, act, optimizer=O.Adam(0.005), loss=loss())

    fast, eager = twin(build, lambda m: record(m, X, y, epochs=2))
    assert_same(fast, eager)
    assert np.isfinite(fast["history"]["loss"]).all()


# ---------------------------------------------------------------------- metrics
M = keras.metrics


METRICS = {
    # name: (metrics factory, loss, units, output activation, target kind)
    "accuracy_sparse": (lambda: ["accuracy", "acc"], "sparse_categorical_crossentropy", 3,
                        "softmax", "sparse"),
    "accuracy_categorical": (lambda: ["accuracy"], "categorical_crossentropy", 4, "softmax",
                             "onehot"),
    "accuracy_binary": (lambda: ["accuracy"], "binary_crossentropy", 1, "sigmoid", "binary"),
    "sparse_categorical_accuracy": (lambda: [M.SparseCategoricalAccuracy(name="sca")],
                                    "sparse_categorical_crossentropy", 3, "softmax",
                                    "sparse"),
    "sparse_top_k": (lambda: [M.SparseTopKCategoricalAccuracy(k=2),
                              "sparse_top_k_categorical_accuracy"],
                     "sparse_categorical_crossentropy", 6, "softmax", "sparse"),
    "categorical_accuracy": (lambda: ["categorical_accuracy", M.CategoricalAccuracy()],
                             "categorical_crossentropy", 4, "softmax", "onehot"),
    "top_k": (lambda: [M.TopKCategoricalAccuracy(k=3)], "categorical_crossentropy", 6,
              "softmax", "onehot"),
    "binary_accuracy_threshold": (lambda: [M.BinaryAccuracy(threshold=0.3),
                                           "binary_accuracy"],
                                  "binary_crossentropy", 3, "sigmoid", "binary"),
    "exact_accuracy": (lambda: [M.Accuracy()], "mse", 2, "relu", "binary"),
    "mean_errors": (lambda: ["mse", "mae", M.MeanSquaredError(name="m2")], "mse", 2, None,
                    "regression"),
    "root_mean_squared_error": (lambda: [M.RootMeanSquaredError(), "mse"], "mae", 3, None,
                                "regression"),
    "percentage_log_errors": (lambda: [M.MeanAbsolutePercentageError(),
                                       M.MeanSquaredLogarithmicError(), "msle"],
                              "mae", 2, "softplus", "positive"),
    "log_cosh_error": (lambda: [M.LogCoshError()], "huber", 2, None, "regression"),
    "hinge_metrics": (lambda: [M.Hinge(), M.SquaredHinge()], "hinge", 2, "tanh", "signs"),
    "poisson_metric": (lambda: [M.Poisson()], "poisson", 2, "softplus", "counts"),
    # Confusion metrics get explicit names: default ones are uniquified per process.
    "confusion_counts": (lambda: [M.TruePositives(thresholds=[0.3, 0.6], name="tp"),
                                  M.FalsePositives(name="fp"), M.TrueNegatives(name="tn"),
                                  M.FalseNegatives(0.7, name="fn")],
                         "binary_crossentropy", 1, "sigmoid", "binary"),
    "precision_recall": (lambda: [M.Precision(name="p"),
                                  M.Recall(thresholds=[0.2, 0.5, 0.8], name="r")],
                         "binary_crossentropy", 3, "sigmoid", "binary"),
    "auc_roc_pr": (lambda: [M.AUC(name="roc"), M.AUC(curve="PR", num_thresholds=50, name="pr"),
                            M.AUC(thresholds=[0.1, 0.4, 0.9], name="auc3")],
                   "categorical_crossentropy", 4, "softmax", "onehot"),
}


@pytest.mark.parametrize("name", sorted(METRICS))
@pytest.mark.parametrize("weighted", [False, True], ids=["metrics", "weighted_metrics"])
def test_metrics(name, weighted):
    metrics, loss, units, act, kind = METRICS[name]
    y = _targets(kind, units)
    sw = np.random.default_rng(5).uniform(0.2, 2.0, len(X)).astype(np.float32)

    def build():
        kw = {"weighted_metrics": metrics()} if weighted else {"metrics": metrics()}
        return mlp(units, act, optimizer=O.Adam(0.005), loss=loss, **kw)

    fast, eager = twin(build, lambda m: record(m, X, y, sample_weight=sw,
                                               eval_kw={"sample_weight": sw}))
    assert_same(fast, eager)
    assert len(fast["history"]) >= 2


def test_metrics_and_weighted_metrics_together():
    y = one_hot(class_labels(X, 4), 4)
    sw = np.random.default_rng(5).uniform(0.0, 2.0, len(X)).astype(np.float32)

    def build():
        return mlp(4, "softmax", optimizer="rmsprop", loss="categorical_crossentropy",
                   metrics=["accuracy", "mse"], weighted_metrics=["accuracy", "mae"])

    fast, eager = twin(build, lambda m: record(m, X, y, sample_weight=sw,
                                               validation_data=(X[:50], y[:50], sw[:50])))
    assert_same(fast, eager)
    assert sorted(fast["history"]) == ["accuracy", "loss", "mae", "mse", "val_accuracy",
                                       "val_loss", "val_mae", "val_mse",
                                       "val_weighted_accuracy", "weighted_accuracy"]


# ---------------------------------------------------------------------- compile options
SINGLE_OUTPUT_CASES = {
    "top_k_larger_than_classes": (dict(metrics=["sparse_top_k_categorical_accuracy"]), {}),
    "all_zero_sample_weights": (dict(weighted_metrics=["accuracy"]),
                                dict(sample_weight=np.zeros(len(X), np.float32))),
    "loss_weights_list": (dict(loss_weights=[0.3], metrics=["accuracy"]), {}),
    "loss_weights_scalar": (dict(loss_weights=0.3), {}),
}


@pytest.mark.parametrize("name", sorted(SINGLE_OUTPUT_CASES))
def test_single_output_compile_cases(name):
    compile_kw, fit_kw = SINGLE_OUTPUT_CASES[name]
    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy", **compile_kw)
    assert_same(*twin(build, lambda m: record(m, X, Y3, **fit_kw)))


@pytest.mark.parametrize("loss", ["mse", "huber"])
def test_one_dimensional_regression_targets(loss):
    y = X[:, 0] * 2.0 - X[:, 1]
    sw = np.abs(X[:, 2])
    build = partial(mlp, 1, None, loss=loss, metrics=["mae"], weighted_metrics=["mse"])
    assert_same(*twin(build, lambda m: record(m, X, y, sample_weight=sw)))
