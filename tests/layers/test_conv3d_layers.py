"""The 3-D layers: gradients (input and every weight) against central finite differences
of the layer itself, build-time errors with Keras's messages, shapes, configs and a
`.keras` round trip. Kernel values are checked in tests/ops/test_conv3d.py and against
Keras in test_conv3d_parity.py."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from tests.layers.test_conv_gradients import _check

ALL_3D = [
    lambda: layers.Conv3D(3, (2, 3, 2), padding="same", activation="relu", groups=1),
    lambda: layers.MaxPooling3D(),
    lambda: layers.AveragePooling3D(2, strides=1, padding="same"),
    lambda: layers.GlobalMaxPooling3D(keepdims=True),
    lambda: layers.GlobalAveragePooling3D(data_format="channels_first"),
    lambda: layers.UpSampling3D((1, 2, 3)),
    lambda: layers.ZeroPadding3D(((1, 0), 2, (0, 3))),
    lambda: layers.Cropping3D((1, 0, 1)),
]


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.Conv3D(2, 2), (1, 3, 3, 4, 2)),
    (lambda: layers.Conv3D(2, 3, strides=2, padding="same"), (2, 4, 3, 3, 1)),
    (lambda: layers.Conv3D(2, 2, dilation_rate=(2, 1, 1)), (1, 4, 3, 3, 1)),
    (lambda: layers.Conv3D(4, 2, groups=2), (1, 3, 3, 3, 2)),
    (lambda: layers.Conv3D(2, 2, strides=3), (1, 5, 4, 5, 1)),  # stride > kernel
    (lambda: layers.Conv3D(2, 2, padding="same", data_format="channels_first"),
     (1, 2, 3, 2, 3)),
    (lambda: layers.AveragePooling3D(2), (1, 4, 4, 2, 2)),
    (lambda: layers.AveragePooling3D(3, strides=2, padding="same"), (1, 5, 3, 4, 1)),
    (lambda: layers.GlobalAveragePooling3D(), (2, 2, 3, 2, 2)),
    (lambda: layers.UpSampling3D((2, 1, 2)), (1, 2, 2, 2, 1)),
    (lambda: layers.ZeroPadding3D(1), (1, 2, 2, 2, 1)),
    (lambda: layers.Cropping3D(((1, 0), (0, 1), 1)), (1, 3, 3, 3, 1)),
])
def test_layer_gradients(make, shape):
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    layer = make()
    layer(x)
    _check(layer, x)


@pytest.mark.parametrize("make,shape", [
    (lambda: layers.MaxPooling3D(2), (1, 4, 4, 2, 2)),
    (lambda: layers.MaxPooling3D(3, strides=2, padding="same"), (1, 5, 3, 4, 1)),
    (lambda: layers.MaxPooling3D(2, data_format="channels_first"), (1, 2, 4, 2, 3)),
    (lambda: layers.GlobalMaxPooling3D(), (2, 2, 3, 2, 2)),
])
def test_max_pooling_gradients(make, shape):
    # distinct values 1 apart: a step of EPS never changes which cell is the max
    n = int(np.prod(shape))
    x = np.random.default_rng(0).permutation(n).reshape(shape).astype("float32")
    layer = make()
    layer(x)
    _check(layer, x)


def test_conv3d_weights_and_shapes():
    layer = layers.Conv3D(6, (2, 3, 1), strides=(1, 2, 1), groups=3)
    out = layer(np.ones((2, 4, 5, 3, 3), "float32"))
    assert layer.kernel.shape == (2, 3, 1, 1, 6) and layer.bias.shape == (6,)
    assert tuple(out.shape) == (2, 3, 2, 3, 6)
    assert layer.compute_output_shape((None, 4, 5, 3, 3)) == (None, 3, 2, 3, 6)
    cf = layers.Conv3D(2, 3, padding="same", data_format="channels_first")
    assert cf.compute_output_shape((None, 1, 4, 5, 6)) == (None, 2, 4, 5, 6)


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv3D(2, 3, strides=2, dilation_rate=2), "dilation_rate > 1"),
    (lambda: layers.Conv3D(3, 2, groups=2), "divisible"),
    (lambda: layers.Conv3D(2, (2, 2)), "kernel_size"),
    (lambda: layers.MaxPooling3D((2, 2)), "pool_size"),
    (lambda: layers.ZeroPadding3D((1, 2)), "3 elements"),
    (lambda: layers.Cropping3D((1, 2)), "3 elements"),
    (lambda: layers.ZeroPadding3D(-1), "negative"),
    (lambda: layers.UpSampling3D((2, 2)), "size"),
])
def test_constructor_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make,shape,match", [
    (lambda: layers.Conv3D(2, 3), (None, 4, 4, 4), "ndim=5"),
    (lambda: layers.Conv3D(2, 3, groups=2), (None, 4, 4, 4, 3), "divisible"),
    (lambda: layers.Conv3D(2, 3), (None, 2, 4, 4, 1), "kernel"),
    (lambda: layers.MaxPooling3D(3), (None, 2, 4, 4, 1), "pool_size"),
    (lambda: layers.Cropping3D(2), (None, 4, 4, 4, 1), "cropping"),
    (lambda: layers.GlobalAveragePooling3D(), (None, 4, 4, 1), "ndim=5"),
    (lambda: layers.UpSampling3D(), (None, 4, 4, 1), "ndim=5"),
])
def test_build_errors(make, shape, match):
    with pytest.raises(ValueError, match=match):
        make().build(shape)


@pytest.mark.parametrize("make", ALL_3D)
def test_config_round_trip_and_empty_batch(make):
    layer = make()
    again = type(layer).from_config(layer.get_config())
    assert again.get_config() == layer.get_config()
    x = np.zeros((0, 4, 4, 4, 2), "float32")
    assert tuple(layer(x).shape) == layer.compute_output_shape(x.shape)


def test_model_saves_and_loads(tmp_path):
    inp = keras.Input((6, 6, 6, 2))
    x = inp
    for make in ALL_3D[:3] + ALL_3D[5:] + [ALL_3D[4]]:
        x = make()(x)
    model = keras.Model(inp, layers.Dense(2)(x))
    data = np.random.default_rng(0).standard_normal((2, 6, 6, 6, 2)).astype("float32")
    path = str(tmp_path / "m.keras")
    model.save(path)
    again = keras.saving.load_model(path)
    assert again.get_config() == model.get_config()
    np.testing.assert_allclose(again.predict(data, verbose=0), model.predict(data, verbose=0),
                               atol=1e-6)


def test_aliases_and_default_names():
    assert layers.MaxPool3D is layers.MaxPooling3D
    assert layers.AvgPool3D is layers.AveragePooling3D
    assert layers.Conv3D(1, 1).name.startswith("conv3d")
    assert layers.UpSampling3D().name.startswith("up_sampling3d")
