"""Conv3DTranspose and 3-D ops.conv_transpose: Keras 3's outputs for the same weights
(fixtures/conv3d_transpose.npz, recorded by make_keras_conv3d_transpose_fixtures.py), the
adjoint of conv (values and both gradients), config round trip and bad input."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from tests.layers.conv3d_transpose_cases import CASES

_DATA = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "conv3d_transpose.npz"))
rng = np.random.default_rng(5)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("i", range(len(CASES)))
def test_outputs_match_keras(i):
    layer = keras.layers.Conv3DTranspose(**CASES[i])
    x = _DATA["x"]
    layer.build(x.shape)
    n = len(layer.get_weights())
    layer.set_weights([_DATA[f"case{i}/w{j}"] for j in range(n)])
    np.testing.assert_allclose(np.asarray(layer(x)), _DATA[f"case{i}/y"], atol=1e-5)
    assert layer.compute_output_shape(x.shape) == _DATA[f"case{i}/y"].shape


ADJOINT = [  # strides, padding, dilation, input shape (its sizes fit the default output)
    (2, "same", 1, (2, 6, 4, 8, 3)),
    (1, "same", 2, (1, 5, 6, 7, 3)),
    ((1, 2, 3), "same", 1, (1, 4, 6, 9, 3)),
    (1, "valid", 1, (1, 5, 7, 8, 2)),
]


@pytest.mark.parametrize("strides,padding,dilation,shape", ADJOINT)
def test_conv_transpose_is_the_adjoint_of_conv(strides, padding, dilation, shape):
    # <conv(u, k), v> == <u, conv_transpose(v, k)>, and the gradients agree with conv's.
    u, k = _r(*shape), _r(3, 2, 3, shape[-1], 4)
    y = np.asarray(ops.conv(u, k, strides=strides, padding=padding, dilation_rate=dilation))
    v = _r(*y.shape)
    vv, kv = keras.Variable(v), keras.Variable(k)
    with keras.GradientTape() as tape:
        t = ops.conv_transpose(vv, kv, strides=strides, padding=padding,
                               dilation_rate=dilation)
        loss = ops.sum(ops.multiply(t, u))
    dv, dk = tape.gradient(loss, [vv, kv])
    assert t.shape == u.shape
    lhs = (y.astype(np.float64) * v).sum()
    np.testing.assert_allclose(float(loss), lhs, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(np.asarray(dv), y, rtol=1e-4, atol=1e-4)
    kc = keras.Variable(k)
    with keras.GradientTape() as tape:
        lc = ops.sum(ops.multiply(ops.conv(u, kc, strides=strides, padding=padding,
                                           dilation_rate=dilation), v))
    np.testing.assert_allclose(np.asarray(dk), np.asarray(tape.gradient(lc, kc)),
                               rtol=1e-4, atol=1e-3)


def test_config_round_trip_channels_first_and_errors():
    layer = keras.layers.Conv3DTranspose(3, (1, 2, 3), strides=(1, 2, 1),
                                         data_format="channels_first")
    again = keras.layers.Conv3DTranspose.from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    x = _r(1, 2, 3, 4, 5)  # channels first: 2 channels
    last = keras.layers.Conv3DTranspose(3, (1, 2, 3), strides=(1, 2, 1))
    y_first = np.asarray(layer(x))
    last.build(x.transpose(0, 2, 3, 4, 1).shape)
    last.set_weights(layer.get_weights())
    np.testing.assert_allclose(
        y_first, np.asarray(last(x.transpose(0, 2, 3, 4, 1))).transpose(0, 4, 1, 2, 3),
        atol=1e-5)
    with pytest.raises(ValueError, match="output_padding"):
        ops.conv_transpose(_r(1, 3, 3, 3, 2), _r(3, 3, 3, 2, 2), strides=2,
                           output_padding=2)
    with pytest.raises(ValueError, match="kernel"):
        ops.conv_transpose(_r(1, 3, 3, 3, 2), _r(3, 3, 3, 2, 3))
