"""SpatialDropout1D/2D and GaussianNoise: training-only, whole channels dropped, seeded
draws, gradients through the mask, config and errors."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from tests.layers.layer_test_utils import check_layer

L = keras.layers


@pytest.mark.parametrize("cls,shape,fmt,space", [
    (L.SpatialDropout1D, (4, 6, 8), None, (1,)),
    (L.SpatialDropout2D, (4, 3, 5, 8), "channels_last", (1, 2)),
    (L.SpatialDropout2D, (4, 8, 3, 5), "channels_first", (2, 3)),
])
def test_drops_whole_channels_and_scales(cls, shape, fmt, space):
    kwargs = {"data_format": fmt} if fmt else {}
    layer = cls(0.5, seed=3, **kwargs)
    x = np.ones(shape, np.float32)
    out = np.asarray(layer(x, training=True))
    assert set(np.unique(out)) <= {0.0, 2.0}
    # Constant over the spatial/time axes: one draw per (sample, channel).
    np.testing.assert_array_equal(out.min(axis=space), out.max(axis=space))
    assert 0 < (out == 0).mean() < 1
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    # The same seed draws the same masks; a second call draws a new one.
    again = cls(0.5, seed=3, **kwargs)
    first = np.asarray(again(x, training=True))
    np.testing.assert_array_equal(first, out)
    assert not np.array_equal(np.asarray(again(x, training=True)), first)


def test_spatial_dropout_gradient_is_the_mask():
    layer = L.SpatialDropout1D(0.5, seed=1)
    v = keras.Variable(np.random.default_rng(0).standard_normal((3, 4, 5)))
    with keras.GradientTape() as tape:
        out = layer(v, training=True)
        loss = ops.sum(out)
    g = np.asarray(tape.gradient(loss, v))
    np.testing.assert_allclose(g, np.asarray(out) / v.numpy(), rtol=1e-5)


def test_spatial_dropout_config_and_errors():
    check_layer(L.SpatialDropout2D, {"rate": 0.3, "seed": 1, "data_format": "channels_first"},
                (2, 3, 2, 2), (2, 3, 2, 2))
    config = L.SpatialDropout1D(0.2, seed=5).get_config()
    assert config["rate"] == 0.2 and config["seed"] == 5 and "noise_shape" not in config
    with pytest.raises(ValueError, match="expected ndim=3"):
        L.SpatialDropout1D(0.5)(np.ones((2, 3), np.float32), training=True)
    with pytest.raises(ValueError, match="rate"):
        L.SpatialDropout2D(1.5)
    out = L.SpatialDropout1D(0.0)(np.ones((1, 1, 1), np.float32), training=True)
    np.testing.assert_array_equal(np.asarray(out), [[[1.0]]])


def test_gaussian_noise():
    layer = L.GaussianNoise(0.5, seed=7)
    x = np.zeros((200, 50), np.float32)
    out = np.asarray(layer(x, training=True))
    assert abs(out.std() - 0.5) < 0.02 and abs(out.mean()) < 0.02
    # normal, not just zero-mean: the share within 1 and 2 standard deviations
    z = out.ravel() / 0.5
    assert abs(np.mean(np.abs(z) < 1) - 0.6827) < 0.015
    assert abs(np.mean(np.abs(z) < 2) - 0.9545) < 0.008
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(np.asarray(L.GaussianNoise(0.5, seed=7)(x, training=True)),
                                  out)
    assert not np.array_equal(np.asarray(layer(x, training=True)), out)
    v = keras.Variable(np.ones((2, 3), np.float32))
    with keras.GradientTape() as tape:
        loss = ops.sum(layer(v, training=True))
    np.testing.assert_array_equal(np.asarray(tape.gradient(loss, v)), np.ones((2, 3)))
    np.testing.assert_array_equal(np.asarray(L.GaussianNoise(0.0)(x[:1], training=True)),
                                  x[:1])
    assert L.GaussianNoise(0.1, seed=2).get_config()["stddev"] == 0.1
    with pytest.raises(ValueError, match="stddev"):
        L.GaussianNoise(-0.1)


def test_models_with_noise_layers_train_on_the_fast_path():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, 5, 3)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((5, 3)), L.GaussianNoise(0.1, seed=1),
                              L.SpatialDropout1D(0.2, seed=2), L.Flatten(), L.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert model.fast_path_reason is None
    assert np.isfinite(hist.history["loss"]).all()
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.asarray(model.layers[-1](x.reshape(16, 15))), rtol=1e-5)
