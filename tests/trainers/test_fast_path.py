"""The fast path's behaviour around the numbers: the enable switch and `fast_path_reason`,
program caching when weights/optimizer/data change, concurrent predict, and bad inputs.
(Callbacks and progress output: test_fast_path_callbacks.py; fallbacks to the eager path:
test_fast_path_fallbacks.py; numerical equivalence per optimizer/loss/metric/option:
test_fast_path_equivalence_*.py.)"""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.helpers import run_in_threads
from tests.trainers._fast_path_cases import X, Y3, _classifier
from tests.trainers._fast_path_twins import (
    assert_same,
    class_labels,
    features,
    mlp,
    one_hot,
    record,
    twin,
)

K = keras.layers


# ---------------------------------------------------------------------- config
def test_reason_none_after_each_fast_call_and_disable_switch():
    m = _classifier()
    assert m.fast_path_reason is None  # before any call: what the model allows
    m.fit(X, Y3, epochs=1, verbose=0)
    assert m.fast_path_reason is None
    m.evaluate(X, Y3, verbose=0)
    assert m.fast_path_reason is None
    m.predict(X, verbose=0)
    assert m.fast_path_reason is None
    config.set_fast_path_enabled(False)
    assert not config.is_fast_path_enabled()
    m.fit(X, Y3, epochs=1, verbose=0)
    assert "set_fast_path_enabled" in m.fast_path_reason
    config.set_fast_path_enabled(True)
    m.predict(X, verbose=0)
    assert m.fast_path_reason is None


def test_set_fast_path_enabled_rejects_non_bool():
    with pytest.raises(ValueError, match="bool"):
        config.set_fast_path_enabled("yes")
    assert config.is_fast_path_enabled()


# ---------------------------------------------------------------------- program cache
def test_set_weights_after_fit_is_seen():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.predict(X, verbose=0)
        rng = np.random.default_rng(4)
        m.set_weights([rng.normal(size=w.shape).astype(np.float32) * 0.3
                       for w in m.get_weights()])
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(_classifier, run))


def test_recompile_with_new_optimizer_loss_and_metrics():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                  loss=keras.losses.CategoricalCrossentropy(), metrics=["mse"])
        return record(m, X, one_hot(Y3, 3), epochs=2)

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    assert list(fast["history"]) == ["loss", "mse"]


def test_different_data_between_calls():
    """The program caches per model, the data per call: new arrays are used."""
    x2 = features(n=200, seed=5)
    y2 = class_labels(x2, 3)

    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        return record(m, x2, y2, epochs=2, batch_size=50, eval_data=(X, Y3))

    assert_same(*twin(_classifier, run))


# ---------------------------------------------------------------------- threads
def test_predict_from_four_threads_matches_single_threaded():
    m = _classifier(dropout=0.4)
    m.fit(X, Y3, epochs=1, verbose=0)
    inputs = [features(n=n, seed=s) for n, s in ((300, 1), (123, 2), (64, 3), (257, 4))]
    batch_sizes = [32, 17, 64, 100]
    expected = [m.predict(x, batch_size=b, verbose=0) for x, b in zip(inputs, batch_sizes)]
    assert m.fast_path_reason is None
    results = [[None] * 4 for _ in range(5)]

    def work(i):
        for r in range(5):
            results[r][i] = m.predict(inputs[i], batch_size=batch_sizes[i], verbose=0)

    run_in_threads(work)
    for r in range(5):
        for got, want in zip(results[r], expected):
            np.testing.assert_array_equal(got, want)
    config.set_fast_path_enabled(False)
    eager = m.predict(inputs[1], batch_size=17, verbose=0)
    np.testing.assert_allclose(expected[1], eager, rtol=1e-5, atol=1e-6)


def test_predict_from_threads_on_a_fresh_model():
    """The first predict calls race to build the program."""
    keras.utils.set_random_seed(2)
    m = keras.Sequential([keras.Input((8,)), K.Dense(16, activation="relu"), K.Dense(4)])
    outs = [None] * 4

    def work(i):
        outs[i] = m.predict(X, batch_size=16 * (i + 1), verbose=0)

    run_in_threads(work)
    for o in outs[1:]:
        np.testing.assert_allclose(o, outs[0], rtol=1e-6, atol=1e-6)
    config.set_fast_path_enabled(False)
    np.testing.assert_allclose(m.predict(X, verbose=0), outs[0], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_wrong_feature_count_raises(fast):
    config.set_fast_path_enabled(fast)
    m = _classifier()
    for call in (lambda: m.fit(X[:, :7], Y3, epochs=1, verbose=0),
                 lambda: m.evaluate(X[:, :7], Y3, verbose=0),
                 lambda: m.predict(X[:, :7], verbose=0),
                 lambda: m.fit(np.ones((300, 9), np.float32), Y3, epochs=1, verbose=0)):
        with pytest.raises(ValueError, match=r"\b(7|9)\b"):
            call()


@pytest.mark.parametrize("bad", [3, -1, 10 ** 12])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_labels_out_of_range_raise(bad, fast):
    config.set_fast_path_enabled(fast)
    m = _classifier()
    y = Y3.copy()
    y[0] = bad
    with pytest.raises(ValueError, match=r"out of range"):
        m.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"out of range"):
        m.evaluate(X, y, verbose=0)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_wrong_target_shapes_raise(fast):
    config.set_fast_path_enabled(fast)
    m = mlp(3, "softmax", loss="categorical_crossentropy")
    with pytest.raises(ValueError):
        m.fit(X, one_hot(Y3, 4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(X, Y3[:100], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(X, one_hot(Y3, 3), sample_weight=np.ones(10), epochs=1, verbose=0)
    assert int(np.asarray(m.optimizer.iterations)) == 0
