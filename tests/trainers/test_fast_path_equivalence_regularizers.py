"""Fast path vs eager path with weight penalties and constraints: with one seed, N steps
give the same weights, losses and metrics to float32 round-off for kernel, bias and
activity regularizers (frozen layers and multi-output models included) and for weight
constraints; evaluate()'s penalty matches a NumPy float64 reference."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    record,
    twin,
)

K = keras.layers
O = keras.optimizers


# ---------------------------------------------------------------------- regularizers
REGULARIZERS = {
    "activity_l2": lambda: dict(activity_regularizer="l2"),
    "activity_l1_l2_and_kernel": lambda: dict(
        activity_regularizer=keras.regularizers.L1L2(0.003, 0.02),
        kernel_regularizer=keras.regularizers.L1(0.001)),
    "l2": lambda: dict(kernel_regularizer="l2"),
    "l1": lambda: dict(kernel_regularizer=keras.regularizers.L1(0.003)),
    "l1_l2_both": lambda: dict(kernel_regularizer=keras.regularizers.L1L2(0.002, 0.01),
                               bias_regularizer=keras.regularizers.L2(0.05)),
    "bias_only": lambda: dict(bias_regularizer=keras.regularizers.L1(0.02)),
}


@pytest.mark.parametrize("optimizer", ["sgd", "rmsprop"])
@pytest.mark.parametrize("name", sorted(REGULARIZERS))
def test_weight_regularizers(name, optimizer):
    """The penalties join the loss (fit and evaluate) and their gradients the update;
    the 64x600 kernel takes the block-by-block fused update."""
    x = features(300, 64, seed=4)
    y = class_labels(x, 3)

    def build():
        m = keras.Sequential([
            keras.Input((64,)), K.Dense(600, activation="relu", **REGULARIZERS[name]()),
            K.Dense(8, activation="tanh", **REGULARIZERS[name]()),
            K.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    assert_same(fast, eager)


def test_activity_regularizer_on_an_activation_layer():
    """Any layer's activity penalty joins the loss on the fast path, not only Dense's."""
    x = features(200, 16, seed=5)
    y = class_labels(x, 3)

    def build():
        m = keras.Sequential([keras.Input((16,)), K.Dense(8),
                              K.Activation("tanh", activity_regularizer="l2"),
                              K.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    assert_same(fast, eager)


def test_regularized_frozen_layer_and_multi_output():
    """A frozen layer's penalty still counts in the loss (not in the updates); per-output
    losses leave the penalties out."""
    def build():
        inp = keras.Input((8,))
        h = K.Dense(6, activation="tanh", kernel_regularizer="l2", name="frozen")(inp)
        a = K.Dense(3, activation="softmax", kernel_regularizer=keras.regularizers.L1(0.01),
                    name="cls")(h)
        b = K.Dense(1, name="reg", bias_regularizer="l2")(h)
        m = keras.Model(inp, [a, b])
        m.get_layer("frozen").trainable = False
        m.compile(optimizer="adam", loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.3])
        return m

    fast, eager = twin(build, lambda m: record(m, X, [Y3, X[:, :1]]))
    assert_same(fast, eager)
    h = fast["history"]
    assert h["loss"][-1] > h["cls_loss"][-1] + 0.3 * h["reg_loss"][-1] + 1e-3


def test_regularizer_penalty_matches_numpy():
    """evaluate()'s loss is the data loss plus l1 * sum|W| + l2 * sum W^2 (float64)."""
    keras.utils.set_random_seed(3)
    reg = keras.regularizers.L1L2(0.01, 0.02)
    m = keras.Sequential([keras.Input((8,)),
                          K.Dense(4, kernel_regularizer=reg, bias_initializer="ones",
                                  bias_regularizer=keras.regularizers.L2(0.5))])
    m.compile(optimizer="sgd", loss="mse")
    t = X[:, :4]
    loss = m.evaluate(X, t, verbose=0)
    assert m.fast_path_reason is None
    k, b = [w.astype(np.float64) for w in m.get_weights()]
    data = np.mean(((X.astype(np.float64) @ k + b) - t) ** 2)
    penalty = 0.01 * np.abs(k).sum() + 0.02 * (k ** 2).sum() + 0.5 * (b ** 2).sum()
    np.testing.assert_allclose(loss, data + penalty, rtol=1e-5)


# ---------------------------------------------------------------------- constraints
CONSTRAINTS = {
    "max_norm": lambda C: dict(kernel_constraint=C.MaxNorm(0.4), bias_constraint="non_neg"),
    "max_norm_rows": lambda C: dict(kernel_constraint=C.MaxNorm(0.3, axis=1)),
    "unit_norm": lambda C: dict(kernel_constraint=C.UnitNorm(axis=-1),
                                bias_constraint=C.UnitNorm()),
    "min_max_norm": lambda C: dict(kernel_constraint=C.MinMaxNorm(0.5, 0.8, rate=0.7),
                                   bias_constraint=C.MaxNorm(0.1)),
}


@pytest.mark.parametrize("name", sorted(CONSTRAINTS))
def test_weight_constraints(name):
    """Constraints are applied after every update (the 64x600 kernel's after its fused
    block updates), and not to a frozen layer's weights."""
    x = features(300, 64, seed=4)
    y = class_labels(x, 3)

    def build():
        kw = CONSTRAINTS[name](keras.constraints)
        frozen = K.Dense(8, activation="tanh", name="frozen", **CONSTRAINTS[name](
            keras.constraints))
        m = keras.Sequential([keras.Input((64,)), K.Dense(600, activation="relu", **kw),
                              K.Dense(8, activation="tanh", **CONSTRAINTS[name](
                                  keras.constraints)), frozen,
                              K.Dense(3, activation="softmax")])
        frozen.trainable = False
        m.compile(optimizer=O.SGD(0.3, momentum=0.5), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, validation_split=0.2))
    # The paths agree to round-off, not bits (the fused dW+update and the eager GEMM
    # block their sums differently, and differently again per BLAS kernel); the
    # projections rescale by norms of 600 terms each step and SGD at 0.3 with momentum
    # carries the difference through 16 steps, so allow 10x the default tolerance.
    assert_same(fast, eager, rtol=1e-4, atol=1e-5)
