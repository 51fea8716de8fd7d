"""UpSampling1D/2D, ZeroPadding1D/2D, Cropping1D/2D and RepeatVector: NumPy references,
gradients, channels_first, size-1 corners, errors and Keras 3 fixtures (bilinear)."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.helpers import check_op
from tests.layers.layer_test_utils import check_layer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_norm.npz")
L = keras.layers
RNG = np.random.default_rng(0)


def nhwc(fmt, fn):
    """Applies a channels-last reference to channels-first data when `fmt` says so."""
    if fmt == "channels_last":
        return fn
    return lambda x: np.transpose(fn(np.transpose(x, (0, 2, 3, 1))), (0, 3, 1, 2))


def test_upsampling1d():
    x = RNG.standard_normal((2, 3, 4))
    check_op(L.UpSampling1D(3), lambda x: np.repeat(x, 3, axis=1), [x])
    check_layer(L.UpSampling1D, {"size": 2}, (1, 1, 2), (1, 2, 2))
    with pytest.raises(TypeError, match="size"):
        L.UpSampling1D(2.0)
    with pytest.raises(ValueError, match="positive"):
        L.UpSampling1D(0)


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_upsampling2d_nearest(fmt):
    x = RNG.standard_normal((2, 3, 2, 4))
    ref = nhwc(fmt, lambda x: np.repeat(np.repeat(x, 2, axis=1), 3, axis=2))
    check_op(L.UpSampling2D((2, 3), data_format=fmt), ref, [x])
    expected = (2, 6, 6, 4) if fmt == "channels_last" else (2, 3, 4, 12)
    check_layer(L.UpSampling2D, {"size": (2, 3), "data_format": fmt}, (2, 3, 2, 4),
                expected)


def test_upsampling2d_bilinear_matches_keras_and_has_gradients():
    fx = np.load(FIXTURES)
    np.testing.assert_allclose(np.asarray(L.UpSampling2D((2, 3), interpolation="bilinear")(
        fx["up_x"])), fx["up_bilinear"], atol=1e-5)
    np.testing.assert_allclose(np.asarray(L.UpSampling2D(
        (3, 2), data_format="channels_first", interpolation="bilinear")(fx["up_x"])),
        fx["up_bilinear_cf"], atol=1e-5)
    np.testing.assert_array_equal(np.asarray(L.UpSampling2D((2, 3))(fx["up_x"])),
                                  fx["up_nearest"])
    np.testing.assert_array_equal(np.asarray(L.UpSampling1D(3)(fx["up_x"][..., 0])),
                                  fx["up_1d"])
    # The bilinear map is linear: its gradient is the transpose of the map.
    layer = L.UpSampling2D(2, interpolation="bilinear")
    x = RNG.standard_normal((1, 3, 2, 1))
    basis = np.eye(6).reshape(6, 1, 3, 2, 1)
    mat = np.stack([np.asarray(layer(b.astype(np.float32))).ravel() for b in basis], 1)
    check_op(layer, lambda x: (mat @ x.reshape(6)).reshape(1, 6, 4, 1), [x])
    with pytest.raises(ValueError, match="interpolation"):
        L.UpSampling2D(interpolation="bicubic")


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_zero_padding(fmt):
    x = RNG.standard_normal((2, 3, 4))
    pads1 = ((0, 0), (1, 2), (0, 0)) if fmt == "channels_last" else ((0, 0), (0, 0), (1, 2))
    check_op(L.ZeroPadding1D((1, 2), data_format=fmt), lambda x: np.pad(x, pads1), [x])
    x = RNG.standard_normal((2, 3, 2, 4))
    ref = nhwc(fmt, lambda x: np.pad(x, ((0, 0), (1, 0), (2, 3), (0, 0))))
    check_op(L.ZeroPadding2D(((1, 0), (2, 3)), data_format=fmt), ref, [x])
    layer = L.ZeroPadding2D(1)
    assert layer.padding == ((1, 1), (1, 1))
    assert L.ZeroPadding2D((1, 2)).padding == ((1, 1), (2, 2))
    check_layer(L.ZeroPadding2D, {"padding": 0}, (1, 1, 1, 1), (1, 1, 1, 1))
    assert tuple(L.ZeroPadding1D(2)(keras.Input((None, 3))).shape) == (None, None, 3)
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="padding"):
        L.ZeroPadding1D(-1)
    with pytest.raises(ValueError, match="expected ndim=4"):
        L.ZeroPadding2D()(np.ones((2, 3, 4), np.float32))


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_cropping(fmt):
    x = RNG.standard_normal((2, 5, 3))
    check_op(L.Cropping1D((1, 2)), lambda x: x[:, 1:3], [x])
    x = RNG.standard_normal((2, 4, 5, 3))
    ref = nhwc(fmt, lambda x: x[:, 1:x.shape[1] - 1, 0:x.shape[2] - 1])
    check_op(L.Cropping2D(((1, 1), (0, 1)), data_format=fmt), ref, [x])
    check_layer(L.Cropping1D, {"cropping": 0}, (1, 1, 2), (1, 1, 2))
    assert L.Cropping2D(2).cropping == ((2, 2), (2, 2))
    with pytest.raises(ValueError, match="smaller than the input length"):
        L.Cropping1D((2, 3))(np.ones((1, 5, 2), np.float32))
    with pytest.raises(ValueError, match="smaller than the corresponding spatial"):
        L.Cropping2D(((0, 0), (3, 3)))(keras.Input((8, 6, 1)))
    with pytest.raises(ValueError, match="negative"):
        L.Cropping2D(-1)


def test_repeat_vector():
    x = RNG.standard_normal((2, 3))
    check_op(L.RepeatVector(4), lambda x: np.repeat(x[:, None], 4, axis=1), [x])
    check_layer(L.RepeatVector, {"n": 1}, (1, 1), (1, 1, 1))
    with pytest.raises(ValueError, match="expected ndim=2"):
        L.RepeatVector(2)(np.ones((2, 3, 4), np.float32))
    with pytest.raises(ValueError, match="positive"):
        L.RepeatVector(0)
    with pytest.raises(TypeError, match="`n`"):
        L.RepeatVector("2")


def test_model_with_reshaping_layers_runs_on_the_fast_path_and_trains():
    x = RNG.standard_normal((8, 4, 4, 2)).astype(np.float32)
    y = RNG.standard_normal((8, 3)).astype(np.float32)
    model = keras.Sequential([keras.Input((4, 4, 2)), L.ZeroPadding2D(1), L.Cropping2D(1),
                              L.UpSampling2D(2), L.GlobalAveragePooling2D(),
                              L.RepeatVector(2), L.Flatten(), L.Dense(3)])
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert model.fast_path_reason is None
    assert np.isfinite(hist.history["loss"]).all()
