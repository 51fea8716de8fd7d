import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from tests.layers.layer_test_utils import check_layer

RNG = np.random.default_rng(0)


def _x(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype("float32")


def test_flatten():
    _, out = check_layer(layers.Flatten, {}, (2, 3, 4), (2, 12))
    np.testing.assert_array_equal(np.asarray(out), _x(2, 3, 4).reshape(2, 12))


def test_flatten_channels_first_moves_channels_last_first():
    """As Keras 3: (batch, C, H, W) is flattened in (H, W, C) order; 2-D input unchanged."""
    x = _x(2, 3, 4, 5)
    out = layers.Flatten(data_format="channels_first")(x)
    np.testing.assert_array_equal(np.asarray(out), x.transpose(0, 2, 3, 1).reshape(2, 60))
    flat = _x(2, 6)
    np.testing.assert_array_equal(
        np.asarray(layers.Flatten(data_format="channels_first")(flat)), flat)
    # Gradients flow back through the transpose.
    xt = keras.Variable(x)
    with keras.GradientTape() as tape:
        y = layers.Flatten(data_format="channels_first")(xt)
        loss = keras.ops.sum(y * np.arange(60, dtype="float32"))
    grad = np.asarray(tape.gradient(loss, xt))
    np.testing.assert_array_equal(
        grad, np.broadcast_to(np.arange(60, dtype="float32").reshape(4, 5, 3)
                              .transpose(2, 0, 1), (2, 3, 4, 5)))


def test_reshape():
    _, out = check_layer(layers.Reshape, {"target_shape": (4, 3)}, (2, 12), (2, 4, 3))
    np.testing.assert_array_equal(np.asarray(out), _x(2, 12).reshape(2, 4, 3))
    check_layer(layers.Reshape, {"target_shape": (-1, 2)}, (2, 12), (2, 6, 2))
    with pytest.raises(ValueError, match="total size"):
        layers.Reshape((5,))(np.ones((2, 12), "float32"))


def test_permute():
    _, out = check_layer(layers.Permute, {"dims": (2, 1)}, (2, 3, 4), (2, 4, 3))
    np.testing.assert_array_equal(np.asarray(out), _x(2, 3, 4).transpose(0, 2, 1))
    with pytest.raises(ValueError, match="dims"):
        layers.Permute((1, 3))


@pytest.mark.parametrize("cls,ref", [
    (layers.Add, lambda a, b: a + b),
    (layers.Subtract, lambda a, b: a - b),
    (layers.Multiply, lambda a, b: a * b),
    (layers.Average, lambda a, b: (a + b) / 2),
    (layers.Maximum, np.maximum),
    (layers.Minimum, np.minimum),
])
def test_merge_layers(cls, ref):
    _, out = check_layer(cls, {}, [(2, 3), (2, 3)], (2, 3))
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(np.asarray(out), ref(a, b), rtol=1e-5, atol=1e-6)


def test_concatenate_and_functional_forms():
    _, out = check_layer(layers.Concatenate, {"axis": -1}, [(2, 3), (2, 4)], (2, 7))
    a, b = keras.Input((3,)), keras.Input((4,))
    assert layers.concatenate([a, b]).shape == (None, 7)
    assert layers.add([a, a]).shape == (None, 3)
    assert layers.subtract([a, a]).shape == (None, 3)
    assert layers.multiply([a, a]).shape == (None, 3)
    assert layers.average([a, a]).shape == (None, 3)
    assert layers.maximum([a, a]).shape == (None, 3)
    with pytest.raises(ValueError, match="Concatenate"):
        layers.Concatenate()([keras.Input((2, 3)), keras.Input((4, 4))])


def test_subtract_needs_two_inputs():
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([np.ones((1, 2), "float32")] * 3)


def test_relu_layer():
    x = np.array([[-2.0, 0.5, 3.0, 8.0]], "float32")
    _, _ = check_layer(layers.ReLU, {"max_value": 6.0, "negative_slope": 0.1,
                                     "threshold": 0.0}, (2, 4), (2, 4))
    y = np.asarray(layers.ReLU(max_value=6.0, negative_slope=0.1)(x))
    np.testing.assert_allclose(y, [[-0.2, 0.5, 3.0, 6.0]], rtol=1e-6)
    with pytest.raises(ValueError, match="max_value"):
        layers.ReLU(max_value=-1)


def test_leaky_relu_layer():
    x = np.array([[-2.0, 3.0]], "float32")
    check_layer(layers.LeakyReLU, {}, (2, 4), (2, 4))
    np.testing.assert_allclose(np.asarray(layers.LeakyReLU()(x)), [[-0.6, 3.0]], rtol=1e-6)


def test_softmax_layer():
    _, out = check_layer(layers.Softmax, {"axis": -1}, (2, 5), (2, 5))
    x = _x(2, 5)
    e = np.exp(x - x.max(-1, keepdims=True))
    np.testing.assert_allclose(np.asarray(out), e / e.sum(-1, keepdims=True), rtol=1e-5)
    y = np.asarray(layers.Softmax(axis=0)(x))
    np.testing.assert_allclose(y.sum(0), np.ones(5), rtol=1e-5)


def test_rescaling():
    _, out = check_layer(layers.Rescaling, {"scale": 0.5, "offset": 1.0}, (2, 3), (2, 3))
    np.testing.assert_allclose(np.asarray(out), _x(2, 3) * 0.5 + 1.0, rtol=1e-6)
    y = layers.Rescaling(1 / 255)(np.full((1, 2), 255, np.uint8))
    np.testing.assert_allclose(np.asarray(y), 1.0, rtol=1e-6)


def test_activity_regularization_adds_loss():
    layer = layers.ActivityRegularization(l1=0.1, l2=0.0)
    x = np.array([[1.0, -2.0], [3.0, 0.0]], "float32")
    y = layer(x)
    np.testing.assert_array_equal(np.asarray(y), x)
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 0.1 * 6.0 / 2, rtol=1e-6)
    check_layer(layers.ActivityRegularization, {"l1": 0.1}, (2, 3), (2, 3))
