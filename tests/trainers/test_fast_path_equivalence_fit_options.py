"""Fast path vs eager path, per fit() option and input kind: with one seed, N steps give
the same weights, optimizer state, losses, metrics, evaluate() and predict() results to
float32 round-off for shuffling, sample and class weights, validation options, batch
sizes, input/target dtypes and layouts, resumed or path-switching training, calls before
fit(), and any thread-pool size."""

from functools import partial

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.trainers._fast_path_cases import X, Y3, _sw
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    mlp,
    one_hot,
    record,
    state,
    twin,
)

K = keras.layers
O = keras.optimizers
S = keras.optimizers.schedules


# ---------------------------------------------------------------------- fit options
FIT_OPTIONS = {
    "shuffle_false": dict(shuffle=False),
    "shuffle_true": dict(shuffle=True, epochs=3),
    "sample_weight": dict(sample_weight=_sw()),
    "sample_weight_column": dict(sample_weight=_sw().reshape(-1, 1)),
    "sample_weight_zeros": dict(sample_weight=np.where(np.arange(len(X)) % 3 == 0, 0.0,
                                                       1.0).astype(np.float32)),
    "class_weight": dict(class_weight={0: 0.5, 1: 2.0, 2: 1.3}),
    "class_weight_partial": dict(class_weight={1: 4.0}),
    "validation_split": dict(validation_split=0.2),
    "validation_split_weighted": dict(validation_split=0.25, sample_weight=_sw()),
    "validation_data": dict(validation_data=(X[:64], Y3[:64])),
    "validation_data_weighted": dict(validation_data=(X[:64], Y3[:64], _sw()[:64])),
    "validation_freq": dict(validation_data=(X[:64], Y3[:64]), epochs=4, validation_freq=2),
    "validation_batch_size": dict(validation_split=0.2, validation_batch_size=7),
    "short_last_batch": dict(batch_size=64),
    "batch_larger_than_data": dict(batch_size=1000),
    "batch_size_one": dict(batch_size=1, epochs=1),
    "batch_size_above_default_max": dict(batch_size=100, epochs=3),
    "many_epochs": dict(epochs=5, batch_size=128),
}


@pytest.mark.parametrize("name", sorted(FIT_OPTIONS))
def test_fit_options(name):
    kw = dict(FIT_OPTIONS[name])

    def build():
        return mlp(3, "softmax", optimizer=O.Adam(0.01), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"], weighted_metrics=["accuracy"])

    fast, eager = twin(build, lambda m: record(m, X, Y3, **kw))
    assert_same(fast, eager)


def test_class_weight_with_one_hot_targets():
    y = one_hot(Y3, 3)

    def build():
        return mlp(3, "softmax", optimizer="adam", loss="categorical_crossentropy",
                   metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, X, y, class_weight={0: 1.0, 1: 0.3,
                                                                     2: 2.5})))


def test_binary_targets_with_class_weight():
    yb = (X[:, 0] > 0.5).astype(np.float32)
    build = partial(mlp, 1, "sigmoid", loss="binary_crossentropy", metrics=["accuracy"],
                    weighted_metrics=["accuracy"])
    assert_same(*twin(build, lambda m: record(m, X, yb, class_weight={0: 1.0, 1: 3.0})))


def test_batch_sizes_change_between_calls():
    """Buffers sized for one batch size, then larger and smaller calls."""
    def run(m):
        m.evaluate(X, Y3, batch_size=8, verbose=0)
        m.fit(X, Y3, batch_size=100, epochs=1, verbose=0)
        m.predict(X, batch_size=1000, verbose=0)
        m.fit(X, Y3, batch_size=5, epochs=1, verbose=0)
        return record(m, X, Y3, batch_size=300, eval_kw={"batch_size": 7},
                      predict_kw={"batch_size": 3}, validation_data=(X, Y3),
                      validation_batch_size=512)

    build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                    metrics=["accuracy"])
    fast, eager = twin(build, run)
    assert_same(fast, eager)


# ---------------------------------------------------------------------- input dtypes
@pytest.mark.parametrize("variant", ["float64_x", "int_x", "column_labels", "float_labels",
                                     "int32_labels", "fortran_x"])
def test_input_dtypes_and_layouts(variant):
    x, y = X, Y3
    if variant == "float64_x":
        x = X.astype(np.float64)
    elif variant == "int_x":
        x = np.round(X * 3).astype(np.int32)
    elif variant == "column_labels":
        y = Y3.reshape(-1, 1)
    elif variant == "float_labels":
        y = Y3.astype(np.float32)
    elif variant == "int32_labels":
        y = Y3.astype(np.int32)
    elif variant == "fortran_x":
        x = np.asfortranarray(X)

    def build():
        return mlp(3, "softmax", optimizer="adam", loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, x, y, eval_data=(x, y), predict_x=x)))


@pytest.mark.parametrize("variant", ["int_targets", "bool_targets", "tensor_inputs",
                                     "uint8_labels_int_weights"])
def test_target_and_weight_dtypes(variant):
    if variant in ("int_targets", "bool_targets"):
        y = X[:, :2] > 0
        y = y.astype(np.int64) if variant == "int_targets" else y
        build = partial(mlp, 2, "sigmoid", loss="binary_crossentropy",
                        metrics=["binary_accuracy"])
        run = partial(record, x=X, y=y)
    else:
        build = partial(mlp, 3, "softmax", loss="sparse_categorical_crossentropy",
                        weighted_metrics=["accuracy"])
        if variant == "tensor_inputs":
            xt, yt = keras.ops.convert_to_tensor(X), keras.ops.convert_to_tensor(Y3)
            run = partial(record, x=xt, y=yt)
        else:
            sw = (np.arange(len(X)) % 3).astype(np.int64)
            run = partial(record, x=X, y=Y3.astype(np.uint8), sample_weight=sw)
    assert_same(*twin(build, run))


# ---------------------------------------------------------------------- resume
def test_initial_epoch_resume():
    def run(m):
        m.fit(X, Y3, epochs=2, verbose=0)
        return record(m, X, Y3, epochs=4, initial_epoch=2)

    def build():
        return mlp(3, "softmax", optimizer=O.Adam(S.ExponentialDecay(0.02, 7, 0.7)),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    fast, eager = twin(build, run)
    assert_same(fast, eager)
    assert fast["epoch"] == [2, 3]
    assert fast["iterations"] == 40


@pytest.mark.parametrize("first_fast", [True, False], ids=["fast_then_eager",
                                                           "eager_then_fast"])
def test_switching_paths_mid_training_matches_one_path(first_fast):
    """Half the epochs on one path and half on the other == all epochs eager."""
    def build():
        return mlp(3, "softmax", optimizer=O.Nadam(0.01), loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    def mixed(m):
        config.set_fast_path_enabled(first_fast)
        h1 = m.fit(X, Y3, epochs=2, verbose=0)
        config.set_fast_path_enabled(not first_fast)
        h2 = m.fit(X, Y3, epochs=4, initial_epoch=2, verbose=0)
        return h1.history, h2.history, state(m)

    def eager(m):
        h1 = m.fit(X, Y3, epochs=2, verbose=0)
        h2 = m.fit(X, Y3, epochs=4, initial_epoch=2, verbose=0)
        return h1.history, h2.history, state(m)

    config.set_fast_path_enabled(False)
    keras.utils.set_random_seed(7)
    m = build()
    np.random.seed(11)
    ref = eager(m)
    keras.utils.set_random_seed(7)
    m = build()
    np.random.seed(11)
    got = mixed(m)
    config.set_fast_path_enabled(True)
    for a, b in ((got[0], ref[0]), (got[1], ref[1])):
        assert list(a) == list(b)
        for k in a:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)
    got[2]["fit_reason"] = ref[2]["fit_reason"] = None
    for key in ("weights", "opt_vars"):
        for u, v in zip(got[2][key], ref[2][key]):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)
    assert got[2]["iterations"] == ref[2]["iterations"] == 40
    assert got[2]["dropout"] == ref[2]["dropout"]


def test_evaluate_and_predict_before_fit():
    """Untrained compiled model: evaluate/predict programs only (batch sizes vary)."""
    sw = _sw()

    def run(m):
        rec = state(m)
        rec["evaluate"] = m.evaluate(X, Y3, batch_size=45, sample_weight=sw, verbose=0,
                                     return_dict=True)
        rec["eval_reason"] = m.fast_path_reason
        rec["predict"] = [m.predict(X, batch_size=77, verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        return rec

    def build():
        return mlp(3, "softmax", loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"], weighted_metrics=["accuracy"])

    assert_same(*twin(build, run))


def test_predict_uncompiled_model():
    def run(m):
        rec = {"weights": m.get_weights(), "opt_vars": [], "iterations": 0, "dropout": []}
        rec["predict"] = [m.predict(X, batch_size=50, verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        return rec

    def build():
        return keras.Sequential([keras.Input((8,)), K.Dense(5, activation="tanh"),
                                 K.Dropout(0.5), K.Dense(2)])

    assert_same(*twin(build, run))


# ---------------------------------------------------------------------- threads
@pytest.mark.parametrize("threads", [1, 3])
def test_thread_count_does_not_change_results(threads):
    """Both paths match at any pool size, and the fast path's numbers do not depend on
    it (batch 128 x width 32 splits across threads)."""
    x = features(n=600)
    y = class_labels(x, 3)

    def build():
        return mlp(3, "softmax", hidden=32, loss="sparse_categorical_crossentropy",
                   metrics=["accuracy"])

    def run(m):
        return record(m, x, y, batch_size=128)

    before = config.get_num_threads()
    try:
        config.set_num_threads(1)
        ref, _ = twin(build, run)
        config.set_num_threads(threads)
        fast, eager = twin(build, run)
    finally:
        config.set_num_threads(before)
    assert_same(fast, eager)
    for a, b in zip(fast["weights"], ref["weights"]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
