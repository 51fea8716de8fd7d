"""Fast path vs eager path with several outputs: with one seed, N steps give the same
weights, per-output losses and metrics, evaluate() and predict() results to float32
round-off for losses, loss weights and metrics given as lists or dicts, per-output sample
weights, and outputs that feed other layers."""

from functools import partial

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3, _sw
from tests.trainers._fast_path_twins import (
    assert_same,
    record,
    twin,
)

K = keras.layers
O = keras.optimizers


# ---------------------------------------------------------------------- multi-output
def _multi(loss, loss_weights=None, metrics=None, weighted_metrics=None, dropout=0.2):
    inp = keras.Input((8,), name="x")
    h = K.Dense(16, activation="relu")(inp)
    if dropout:
        h = K.Dropout(dropout)(h)
    cls = K.Dense(3, activation="softmax", name="cls")(h)
    reg = K.Dense(2, name="reg")(h)
    bits = K.Dense(2, activation="sigmoid", name="bits")(K.Dense(6, activation="tanh")(h))
    m = keras.Model(inp, [cls, reg, bits])
    m.compile(optimizer=O.Adam(0.01), loss=loss, loss_weights=loss_weights, metrics=metrics,
              weighted_metrics=weighted_metrics)
    return m


L = keras.losses


Y_REG = (X[:, :2] * 0.5 + X[:, 2:4] * 0.2).astype(np.float32)


Y_BITS = (X[:, 4:6] > 0).astype(np.float32)


Y_MULTI = [Y3, Y_REG, Y_BITS]


Y_DICT = {"cls": Y3, "reg": Y_REG, "bits": Y_BITS}


LOSS_LIST = ["sparse_categorical_crossentropy", "mse", "binary_crossentropy"]


LOSS_DICT = dict(zip(["cls", "reg", "bits"], LOSS_LIST))


MULTI = {
    "list_losses": dict(loss=LOSS_LIST),
    "list_loss_weights": dict(loss=LOSS_LIST, loss_weights=[1.0, 0.3, 2.0]),
    "dict_loss_weights": dict(loss=LOSS_DICT, loss_weights={"cls": 0.5, "reg": 2.0,
                                                            "bits": 1.0}),
    "dict_metrics": dict(loss=LOSS_DICT, metrics={"cls": ["accuracy"], "reg": ["mae"],
                                                  "bits": ["accuracy", "mse"]}),
    "list_metrics": dict(loss=LOSS_LIST, loss_weights=[0.7, 1.0, 1.5],
                         metrics=[["accuracy"], ["mae", "mse"], ["binary_accuracy"]]),
    "weighted_metrics": dict(loss=LOSS_DICT, weighted_metrics={"cls": ["accuracy"],
                                                               "reg": ["mae"]}),
    "sum_and_huber": dict(loss=[L.SparseCategoricalCrossentropy(reduction="sum"),
                                L.Huber(0.3), L.BinaryCrossentropy()]),
}


@pytest.mark.parametrize("name", sorted(MULTI))
@pytest.mark.parametrize("targets", ["list", "dict"])
def test_multi_output(name, targets):
    y = Y_MULTI if targets == "list" else Y_DICT
    sw = _sw() if "weighted" in name else None
    fast, eager = twin(lambda: _multi(**MULTI[name]),
                       lambda m: record(m, X, y, sample_weight=sw, validation_split=0.2,
                                        eval_kw={"sample_weight": sw}))
    assert_same(fast, eager)
    assert {"cls_loss", "reg_loss", "bits_loss"} <= set(fast["history"])
    assert len(fast["predict"]) == 3


@pytest.mark.parametrize("kind", ["one_for_all", "per_output_list", "per_output_dict"])
def test_multi_output_sample_weights(kind):
    sw = _sw()
    sw2 = np.random.default_rng(2).uniform(0, 2, len(X)).astype(np.float32)
    if kind == "one_for_all":
        weights = sw
    elif kind == "per_output_list":
        weights = [sw, sw2, np.ones_like(sw)]
    else:
        weights = {"cls": sw, "reg": sw2, "bits": sw2 * 0.5}
    build = partial(_multi, LOSS_DICT, loss_weights={"cls": 1.0, "reg": 0.5, "bits": 2.0},
                    weighted_metrics={"cls": ["accuracy"], "bits": ["accuracy"]})
    fast, eager = twin(build, lambda m: record(m, X, Y_DICT, sample_weight=weights,
                                               shuffle=True, epochs=3))
    assert_same(fast, eager)


def test_multi_output_with_merged_heads():
    """Outputs that are also consumed inside the graph (a head feeding another head)."""
    def build():
        inp = keras.Input((8,))
        h = K.Dense(10, activation="relu")(inp)
        first = K.Dense(3, activation="softmax", name="first")(h)
        second = K.Dense(2, name="second")(K.Concatenate()([h, first]))
        m = keras.Model(inp, [first, second])
        m.compile(optimizer="rmsprop", loss=["sparse_categorical_crossentropy", "mae"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mse"]])
        return m

    assert_same(*twin(build, lambda m: record(m, X, [Y3, Y_REG])))


def test_output_feeding_a_dense_layer():
    """An output read by one more layer gets its loss's gradient plus that layer's (the
    layer must not write over the loss's gradient)."""
    def build():
        inp = keras.Input((8,))
        first = K.Dense(3, name="first")(K.Dense(10, activation="relu")(inp))
        second = K.Dense(2, name="second")(first)
        m = keras.Model(inp, [first, second])
        m.compile(optimizer="sgd", loss=["mse", "mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, [Y_REG[:, :1].repeat(3, 1), Y_REG])))
