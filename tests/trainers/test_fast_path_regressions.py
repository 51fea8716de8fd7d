"""Regression tests for fast-path mismatches and crashes the equivalence tests found
(each comment states the bug that was fixed). Cases that once crashed the interpreter
run in a subprocess so one segfault does not hide the other results."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    one_hot,
    record,
    state,
    twin,
)

K = keras.layers
ROOT = Path(__file__).resolve().parents[2]
X = features()
Y3 = class_labels(X, 3)


def _run_isolated(body):
    """Runs `body` (Python, with X, Y3, K, keras and the twin helpers in scope) in a
    fresh interpreter; fails with its output when it crashes or raises."""
    code = textwrap.dedent("""
        import numpy as np
        import pyfastfit as keras
        from tests.trainers._fast_path_twins import *
        K = keras.layers
        X = features()
        Y3 = class_labels(X, 3)
    """) + textwrap.dedent(body)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, (f"exit status {proc.returncode}\n"
                                  f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")


# Bug A: Activation("elu") layer on the fast path runs ELU with alpha=0 (graph.py
# `_activation_of` returns alpha 0.0; keras.activations.elu has alpha=1.0), so the
# fast path's predictions differ from the eager layer's.
def test_activation_layer_elu_alpha():
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(10), K.Activation("elu"),
                              K.Dense(3)])
        m.compile(optimizer="sgd",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3, epochs=1)))


# Bug B (eager and fast path alike, the fused nn.dense activation): Dense(activation=
# "elu") computes ELU with alpha=0 (i.e. relu), not Keras' alpha=1.
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_dense_elu_matches_keras_elu(fast):
    config.set_fast_path_enabled(fast)
    m = keras.Sequential([keras.Input((2,)), K.Dense(2, activation="elu",
                                                     kernel_initializer="ones",
                                                     bias_initializer="zeros")])
    x = np.array([[-1.0, -0.5], [0.5, 1.0]], np.float32)
    z = x.sum(axis=1, keepdims=True).repeat(2, axis=1)
    np.testing.assert_allclose(m.predict(x, verbose=0), np.where(z > 0, z, np.expm1(z)),
                               rtol=1e-6, atol=1e-6)


# Bug C: a model with no trainable weight (model.trainable = False) segfaults in fit:
# the output Dense node has needs_grad false, so frozen_grads_ is never allocated, but
# backward still runs dense_backward on it (the loss marks the head as received) with
# dW = nullptr.
def test_fully_frozen_model():
    _run_isolated("""
        def build():
            m = mlp(3, "softmax", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
            m.trainable = False
            m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
            return m
        fast, eager = twin(build, lambda m: record(m, X, Y3))
        assert_same(fast, eager)
    """)


# Bug D: Dropout(rate=0): the eager layer never advances its call counter (call()
# returns before `_counter += 1`), the fast path adds one per step (loops.train_epoch).
def test_dropout_rate_zero_counter():
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(8, activation="relu"),
                              K.Dropout(0.0), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


# Bug E: an error in the middle of a fast-path epoch (here a label out of range in
# batch 6) leaves the Dropout counters where they were before the call (the C++ loop
# ran 6 steps and updated the weights, but loops.train_epoch only adds `n` to the
# counters after prog.c.train returns). The eager path has counted 7 calls, so the
# next fit draws different masks on the two paths.
def test_label_out_of_range_mid_epoch_leaves_same_state():
    y = Y3.copy()
    y[200] = 3

    def run(m):
        with pytest.raises(ValueError, match=r"label 3 .* out of range"):
            m.fit(X, y, epochs=1, shuffle=False, verbose=0)
        return state(m)

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(16, activation="relu"),
                              K.Dropout(0.3), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    fast, eager = twin(build, run)
    assert_same(fast, eager)
    assert fast["iterations"] == 6


# Bug F: the same tensor listed twice in a Functional model's outputs (two losses on
# one output): each head writes its d loss / d pred into the node's gradient buffer
# (Program::losses_and_metrics -> head_loss(..., dpred = grad_ptr_[node])), so the
# second head overwrites the first instead of adding; weights differ from step 1.
def test_same_tensor_as_two_outputs():
    def build():
        inp = keras.Input((8,))
        h = K.Dense(3, activation="softmax", name="out")(K.Dense(8, activation="relu")(inp))
        m = keras.Model(inp, [h, h])
        m.compile(optimizer="sgd", loss=["sparse_categorical_crossentropy", "mse"])
        return m

    fast, eager = twin(build, lambda m: record(m, X, [Y3, one_hot(Y3, 3)], epochs=1))
    # The program gives each output node one gradient buffer: such a model runs eagerly.
    assert fast["fit_reason"] == "the same tensor is listed twice in the model's outputs"
    for key in ("fit_reason", "eval_reason", "predict_reason"):
        del fast[key], eager[key]
    assert_same(fast, eager)


# Divergence G (which side is right is the owner's call): with
# compile(steps_per_execution=4) the fast path calls on_train_batch_end every 4 steps
# (batches 3, 7, 9: Keras 3's behaviour), the eager loop after every step (0..9).
def test_steps_per_execution_batch_hooks():
    class Batches(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(batch)

    def run(m):
        cb = Batches()
        m.fit(X, Y3, epochs=1, callbacks=[cb], verbose=0)
        return cb.seen

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  steps_per_execution=4)
        return m

    fast, eager = twin(build, run)
    assert fast == eager == [3, 7, 9]  # Keras 3: once per execution of 4 steps


# Bug H: layer attributes changed after the first fast-path call are ignored: the
# cached Program (keyed on the weights/optimizer/loss/metrics ids) keeps the Dropout
# rate it was built with (same for an Activation/LeakyReLU setting).
def test_dropout_rate_changed_between_fits():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.layers[1].rate = 0.0
        return record(m, X, Y3, epochs=1)

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(16, activation="relu"),
                              K.Dropout(0.5), K.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    assert_same(*twin(build, run))


# Mismatch I: empty inputs (0 samples). Eager: fit's History is {}, evaluate returns
# {} / [], predict raises ValueError("... no batches were produced ..."). Fast path:
# History {'accuracy': [0.0, ...], 'loss': [0.0, ...]}, evaluate {'accuracy': 0.0,
# 'loss': 0.0}, predict returns an empty (0, 3) array.
def test_empty_inputs():
    x0, y0 = np.zeros((0, 8), np.float32), np.zeros((0,), np.int64)

    def run(m):
        out = {"history": m.fit(x0, y0, epochs=2, verbose=0).history,
               "evaluate": m.evaluate(x0, y0, verbose=0, return_dict=True)}
        try:
            out["predict"] = m.predict(x0, verbose=0).shape
        except ValueError as e:
            out["predict"] = "ValueError: " + str(e)
        return out

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, run)
    assert fast == eager
