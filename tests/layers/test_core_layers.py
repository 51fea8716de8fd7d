import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from tests.layers.layer_test_utils import check_layer


def test_dense_check_and_values():
    layer, out = check_layer(layers.Dense, {"units": 4, "activation": "relu"}, (3, 5), (3, 4),
                             num_weights=2, num_trainable=2)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype("float32")
    k, b = layer.get_weights()
    np.testing.assert_allclose(np.asarray(layer(x)), np.maximum(x @ k + b, 0), rtol=1e-5,
                               atol=1e-6)
    assert k.shape == (5, 4)
    assert layer.kernel.path == f"{layer.name}/kernel"


def test_dense_nonfused_activation_and_no_bias():
    layer = layers.Dense(3, activation="mish", use_bias=False)
    x = np.ones((2, 4), "float32")
    y = np.asarray(layer(x))
    z = x @ layer.get_weights()[0]
    np.testing.assert_allclose(y, z * np.tanh(np.log1p(np.exp(z))), rtol=1e-5, atol=1e-6)
    assert len(layer.weights) == 1


def test_dense_3d_input():
    check_layer(layers.Dense, {"units": 2}, (2, 3, 4), (2, 3, 2), num_weights=2)


@pytest.mark.parametrize("units", [0, -1, 2.5])
def test_dense_invalid_units(units):
    with pytest.raises(ValueError, match=f"Received: units={units}"):
        layers.Dense(units)


def test_activation_layer():
    _, out = check_layer(layers.Activation, {"activation": "tanh"}, (2, 3), (2, 3))
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(out), np.tanh(x), rtol=1e-5)


def test_unknown_activation():
    with pytest.raises(ValueError, match="Valid names"):
        layers.Dense(2, activation="nope")


def test_input_layer_and_input():
    x = keras.Input(shape=(3,), name="feat", dtype="int32")
    assert x.shape == (None, 3) and x.dtype == "int32" and x.name == "feat"
    layer = x._keras_history[0]
    assert isinstance(layer, layers.InputLayer)
    assert layer.get_config()["batch_shape"] == [None, 3]
    y = keras.Input(batch_shape=(8, 2))
    assert y.shape == (8, 2)
    with pytest.raises(ValueError, match="shape"):
        keras.Input()


def test_lambda_layer_and_safe_mode():
    layer = layers.Lambda(lambda x: x * 2.0)
    np.testing.assert_allclose(np.asarray(layer(np.ones((1, 2), "float32"))), 2.0)
    sym = layer(keras.Input((3,)))
    assert sym.shape == (None, 3)
    config = layer.get_config()
    with pytest.raises(ValueError, match="safe_mode=False"):
        layers.Lambda.from_config(config)
    clone = layers.Lambda.from_config(config, safe_mode=False)
    np.testing.assert_allclose(np.asarray(clone(np.ones((1, 2), "float32"))), 2.0)
