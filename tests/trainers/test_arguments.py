"""Argument checks of fit / evaluate / predict / Input (Keras-style messages), and
predict's one-batch shortcut (issue 9, items 7 and 8)."""

import inspect

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.helpers import run_in_threads

K = keras.layers


def _model(width=3):
    keras.utils.set_random_seed(3)
    m = keras.Sequential([keras.Input((width,)), K.Dense(4, activation="relu"), K.Dense(2)])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    return m


X = np.linspace(-1, 1, 30, dtype=np.float32).reshape(10, 3)
Y = np.ones((10, 2), np.float32)


# ------------------------------------------------------------------ Input(shape=...)
@pytest.mark.parametrize("shape, match", [
    ((-1,), r"Cannot convert '\(-1,\)' to a shape. Negative dimensions are not allowed"),
    ((2.5,), r"Found invalid dimension '2.5' of type '<class 'float'>'"),
    (("a",), r"Found invalid dimension 'a' of type '<class 'str'>'"),
    ((True,), r"invalid dimension 'True'"),
    ((np.uint64(2**63 + 5),), r"larger than 2\*\*63 - 1"),
    ((4, -2), r"Negative dimensions"),
])
def test_input_rejects_bad_shapes(shape, match):
    with pytest.raises(ValueError, match=match):
        keras.Input(shape=shape)


def test_input_accepts_numpy_ints_none_and_zero():
    assert keras.Input(shape=(np.uint64(7), None)).shape == (None, 7, None)
    assert keras.Input(shape=(np.int64(3),)).shape == (None, 3)
    assert keras.Input(shape=(0,)).shape == (None, 0)
    assert keras.Input(shape=5).shape == (None, 5)
    assert all(type(d) is int for d in keras.Input(shape=(np.int32(2), 3)).shape[1:])
    with pytest.raises(ValueError, match=r"Received: shape=\(None, -1\)"):
        keras.Input(batch_shape=(None, -1))


# ------------------------------------------------------------------ counts
@pytest.mark.parametrize("kw, err, match", [
    ({"epochs": 1.5}, TypeError, r"Argument `epochs` must be an integer. Received: "
                                 r"epochs=1.5 \(of type float\)"),
    ({"epochs": "2"}, TypeError, r"Received: epochs='2'"),
    ({"batch_size": "a"}, TypeError, r"Argument `batch_size` must be an integer. "
                                     r"Received: batch_size='a'"),
    ({"batch_size": 2.0}, TypeError, r"batch_size=2.0"),
    ({"batch_size": True}, TypeError, r"batch_size=True"),
    ({"batch_size": 0}, ValueError, r"`batch_size` must be a positive integer. "
                                    r"Received: batch_size=0"),
    ({"batch_size": -3}, ValueError, r"batch_size=-3"),
    ({"epochs": -1}, ValueError, r"`epochs` must be an integer >= 0"),
    ({"initial_epoch": -1}, ValueError, r"initial_epoch=-1"),
    ({"validation_batch_size": 0}, ValueError, r"validation_batch_size=0"),
])
def test_fit_rejects_bad_counts(kw, err, match):
    m = _model()
    with pytest.raises(err, match=match):
        m.fit(X, Y, verbose=0, **kw)
    assert int(np.asarray(m.optimizer.iterations)) == 0


@pytest.mark.parametrize("fast", [True, False])
def test_counts_as_numpy_integers_incl_uint64_above_2_63(fast):
    config.set_fast_path_enabled(fast)
    m = _model()
    h = m.fit(X, Y, epochs=np.uint64(2), batch_size=np.uint64(2**64 - 1), verbose=0)
    assert len(h.history["loss"]) == 2 and int(np.asarray(m.optimizer.iterations)) == 2
    ev = m.evaluate(X, Y, batch_size=np.uint64(2**63 + 1), verbose=0)
    assert np.isfinite(ev)
    assert m.predict(X, batch_size=np.uint64(2**63 + 1), verbose=0).shape == (10, 2)
    for call in (lambda: m.evaluate(X, Y, batch_size="a", verbose=0),
                 lambda: m.predict(X, batch_size=1.5, verbose=0)):
        with pytest.raises(TypeError, match="Argument `batch_size` must be an integer"):
            call()


def test_uint64_data_above_2_63_is_an_error_not_a_negative_label():
    m = keras.Sequential([keras.Input((3,)), K.Dense(4)])
    m.compile("sgd", "sparse_categorical_crossentropy")
    y = np.array([1, 2, 2**63 + 1, 0] * 2 + [1, 1], np.uint64)
    with pytest.raises(ValueError, match=r"uint64 values above 2\*\*63 - 1"):
        m.fit(X, y, verbose=0)
    ok = np.array([1, 2, 3, 0] * 2 + [1, 1], np.uint64)
    m.fit(X, ok, verbose=0)


def test_wrappers_keep_the_loop_signatures():
    from pyfastfit.trainers.epoch_loops import EpochLoops

    for name in ("fit", "evaluate", "predict"):
        assert (inspect.signature(getattr(keras.Model, name))
                == inspect.signature(getattr(EpochLoops, name)))
        assert getattr(keras.Model, name).__doc__


# ------------------------------------------------------------------ 1-D inputs
@pytest.mark.parametrize("fast", [True, False])
def test_predict_of_a_1d_array_is_an_error_unless_the_input_is_width_1(fast):
    config.set_fast_path_enabled(fast)
    m = _model()
    # (3,) used to be read as one sample of 3 features and return shape (2,).
    with pytest.raises(ValueError, match=r"Expected shape \(None, 3\), but input has "
                                         r"incompatible shape \(3,\)"):
        m.predict(np.ones(3, np.float32), verbose=0)
    with pytest.raises(ValueError, match="incompatible shape"):
        m.fit(np.ones(10, np.float32), Y, verbose=0)
    m1 = _model(width=1)
    x1 = np.linspace(0, 1, 5, dtype=np.float32)
    np.testing.assert_allclose(m1.predict(x1, verbose=0), m1.predict(x1[:, None], verbose=0),
                               rtol=1e-6)
    assert m1.predict(x1, verbose=0).shape == (5, 2)


# ------------------------------------------------------------------ predict shortcut
@pytest.mark.parametrize("n", [1, 7, 32])
def test_one_batch_predict_matches_the_loop(n):
    m = _model()
    x = np.random.default_rng(n).normal(size=(n, 3)).astype(np.float32)
    quick = m.predict(x, verbose=0)
    loop = m.predict(x, verbose=0, callbacks=[keras.callbacks.Callback()])  # full loop
    assert quick.shape == loop.shape == (n, 2) and quick.dtype == np.float32
    np.testing.assert_allclose(quick, loop, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(quick, np.asarray(m(x)), rtol=1e-6)
    quick[...] = 0  # a fresh array, not a view of the model's buffers
    assert not np.allclose(m.predict(x, verbose=0), 0)


def test_one_batch_predict_runs_an_overridden_predict_step_and_nested_outputs():
    class Doubling(keras.Model):
        def predict_step(self, data):
            return {"twice": super().predict_step(data) * 2.0}

    inp = keras.Input((3,))
    m = Doubling(inp, K.Dense(2, kernel_initializer="ones")(inp))
    out = m.predict(np.ones((2, 3), np.float32), verbose=0)
    np.testing.assert_allclose(out["twice"], np.full((2, 2), 6.0))


def test_one_batch_predict_from_several_threads():
    m = _model()
    xs = [np.full((1, 3), i / 10, np.float32) for i in range(8)]
    want = [np.asarray(m(x)) for x in xs]
    got = [None] * len(xs)

    def work(i):
        for _ in range(30):
            got[i] = m.predict(xs[i], verbose=0)

    run_in_threads(work, len(xs))
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)


@pytest.mark.parametrize("verbose", ["auto", 1, 2])
def test_one_batch_predict_prints_the_loops_progress_bar(verbose, capsys):
    import re

    m = _model()
    x = np.ones((2, 3), np.float32)
    def norm(text):
        # Times differ, and so do the backspaces erasing them and whether a frame
        # before the final one was drawn (the bar throttles its refreshes): compare the
        # final frame.
        text = re.sub(r"\d+(\.\d+)?(ms|us|s)", "T", text.replace("\b", ""))
        return text.split("\r")[-1]

    quick = m.predict(x, verbose=verbose)
    q_out = capsys.readouterr().out
    loop = m.predict(x, verbose=verbose, callbacks=[keras.callbacks.Callback()])
    l_out = capsys.readouterr().out
    assert "1/1" in q_out and norm(q_out) == norm(l_out)
    np.testing.assert_allclose(quick, loop, rtol=1e-5, atol=1e-6)
