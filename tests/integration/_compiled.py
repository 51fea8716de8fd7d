"""Shared by the compiled-steps tests: run a seeded program eagerly and compiled, compare
the two, and the small custom model of the keras.io subclassing guide."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops
from pyfastfit.capture import Function

RTOL, ATOL = 1e-5, 1e-6


def make_data(n=70, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype("float32"),
            rng.integers(0, k, n).astype("int32"))


@pytest.fixture
def eager_loop():
    """Built-in models too take the eager loop (the C++ fast path off)."""
    was = keras.config.is_fast_path_enabled()
    keras.config.set_fast_path_enabled(False)
    yield
    keras.config.set_fast_path_enabled(was)


def replayed(fn):
    """True when `fn` is a Function that has a confirmed recording (it replayed)."""
    return isinstance(fn, Function) and any(
        e.recording is not None for e in fn._entries.values())


def twice(program):
    """(eager, compiled) results of `program(run_eagerly)`."""
    return program(True), program(False)


def assert_same(eager, compiled):
    """Same History, evaluate and predict values, and final weights."""
    model_e, model_c = eager["model"], compiled["model"]
    assert not isinstance(model_e.train_function, Function)
    for key in ("history", "eval"):
        if key not in eager:
            continue
        assert list(eager[key]) == list(compiled[key])
        for name in eager[key]:
            np.testing.assert_allclose(compiled[key][name], eager[key][name], rtol=RTOL,
                                       atol=ATOL, err_msg=f"{key}[{name!r}]")
    for key in ("pred", "extra"):
        if key in eager:
            for a, b in zip(eager[key], compiled[key]):
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=RTOL,
                                           atol=ATOL, err_msg=key)
    # Layer names get new suffixes in the second model: compare the weights' own names.
    names_e = [(w.name, w.shape) for w in model_e.weights]
    assert names_e == [(w.name, w.shape) for w in model_c.weights]
    for name, a, b in zip(names_e, model_e.get_weights(), model_c.get_weights()):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=name)


class Linear(layers.Layer):
    """The guide's custom layer: weights from add_weight, call written with ops."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.add(ops.matmul(inputs, self.w), self.b)


class ActivityRegularization(layers.Layer):
    """add_loss in call: an activity penalty on each forward pass."""

    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(ops.multiply(self.rate, ops.mean(ops.square(inputs))))
        return inputs


class MLP(keras.Model):
    """A subclassed Model of custom layers (the fast path refuses it: eager loop)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Linear(8)
        self.reg = ActivityRegularization()
        self.out = Linear(3)

    def call(self, inputs):
        return self.out(self.reg(ops.relu(self.hidden(inputs))))


def bn_dropout_model():
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(16)(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.Activation("relu")(h)
    h = layers.Dropout(0.3, seed=3)(h)
    return keras.Model(inputs, layers.Dense(3)(h))
