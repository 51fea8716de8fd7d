"""Keras 3 parity of the 3-D convolution, pooling and reshaping layers: with Keras's
weights, the same outputs and the same weights after one SGD step (fixtures written by
`make_keras_conv3d_fixtures.py`), and a Keras-saved model of them loads, predicts alike
and round-trips; fit runs them on the fast path."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.layers import make_keras_conv3d_fixtures as fx

_DATA = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "conv3d_layers.npz"))


def _weights(name, which):
    out, j = [], 0
    while f"{name}/{which}_{j}" in _DATA:
        out.append(_DATA[f"{name}/{which}_{j}"])
        j += 1
    return out


@pytest.mark.parametrize("case", fx.CASES, ids=[c[0] for c in fx.CASES])
def test_outputs_and_one_sgd_step_match_keras(case):
    name = case[0]
    model = fx.build(keras, case)
    w0 = _weights(name, "w0")
    assert [w.shape for w in model.get_weights()] == [w.shape for w in w0]
    model.set_weights(w0)
    x, y = _DATA[f"{name}/x"], _DATA[f"{name}/y"]
    np.testing.assert_allclose(np.asarray(model(x)), _DATA[f"{name}/out"], atol=1e-5,
                               rtol=1e-5)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(x, y)
    for got, want in zip(model.get_weights(), _weights(name, "w1")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("case", fx.CASES, ids=[c[0] for c in fx.CASES])
def test_fit_step_on_the_fast_path_matches_keras(case):
    """One full-batch fit step, on the fast path, gives Keras's weights."""
    model = fx.build(keras, case)
    model.set_weights(_weights(case[0], "w0"))
    x, y = _DATA[f"{case[0]}/x"], _DATA[f"{case[0]}/y"]
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    assert model.fast_path_reason is None, model.fast_path_reason
    for got, want in zip(model.get_weights(), _weights(case[0], "w1")):
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)


def test_keras_saved_model_loads_and_round_trips(tmp_path):
    model = keras.models.load_model(fx.KERAS_FILE)
    assert [type(lay).__name__ for lay in model.layers] == [c for c, _ in fx.KERAS_FILE_LAYERS]
    x = _DATA["keras_file/x"]
    np.testing.assert_allclose(np.asarray(model(x)), _DATA["keras_file/out"], atol=1e-5,
                               rtol=1e-5)
    path = str(tmp_path / "again.keras")
    model.save(path)
    again = keras.models.load_model(path)
    assert again.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(again(x)), _DATA["keras_file/out"], atol=1e-5,
                               rtol=1e-5)
