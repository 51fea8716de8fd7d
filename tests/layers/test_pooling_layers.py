"""Max and average pooling layers: values against a NumPy float64 reference (padding,
strides, both data formats, size-1 and odd sizes, ties, NaN), Keras's argument errors,
output shapes and config."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers


def _ref_pool(x, pool, strides, padding, mode):
    """NumPy float64 pooling over the middle axes of a channels_last array; "same" padding
    leaves the padded cells out (of the max and of the mean's count), as Keras."""
    x = np.asarray(x, dtype=np.float64)
    spatial = x.shape[1:-1]
    if padding == "same":
        outs = [-(-n // s) for n, s in zip(spatial, strides)]
        befores = [max((o - 1) * s + k - n, 0) // 2
                   for o, s, k, n in zip(outs, strides, pool, spatial)]
    else:
        outs = [(n - k) // s + 1 for n, k, s in zip(spatial, pool, strides)]
        befores = [0] * len(spatial)
    out = np.zeros((x.shape[0], *outs, x.shape[-1]))
    for o in np.ndindex(*outs):
        sl = tuple(slice(max(i * s - b, 0), min(i * s - b + k, n)) for i, s, b, k, n
                   in zip(o, strides, befores, pool, spatial))
        win = x[(slice(None),) + sl + (slice(None),)]
        win = win.reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + o + (slice(None),)] = (
            win.max(axis=1) if mode == "max" else win.mean(axis=1))
    return out


_CASES = [
    ((2, 2), None, "valid", (2, 6, 6, 3)),
    ((3, 3), (2, 2), "same", (1, 7, 5, 2)),
    ((2, 3), (1, 2), "valid", (2, 5, 7, 1)),
    ((2, 2), (3, 3), "valid", (1, 7, 7, 1)),     # stride > pool: cells skipped
    ((3, 2), (2, 1), "same", (1, 4, 3, 2)),
    ((1, 1), None, "valid", (1, 1, 1, 1)),       # size 1
    ((4, 4), None, "same", (1, 3, 2, 1)),        # pool larger than a "same" input
]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool,strides,padding,shape", _CASES)
def test_pooling2d_values(mode, pool, strides, padding, shape):
    cls = layers.MaxPooling2D if mode == "max" else layers.AveragePooling2D
    x = np.random.default_rng(0).standard_normal(shape).astype("float32")
    want = _ref_pool(x, pool, strides or pool, padding, mode)
    got = np.asarray(cls(pool, strides=strides, padding=padding)(x))
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=1e-6)
    # channels_first: the same numbers with the channels moved
    xf = np.moveaxis(x, -1, 1)
    got_f = np.asarray(cls(pool, strides=strides, padding=padding,
                           data_format="channels_first")(xf))
    np.testing.assert_allclose(got_f, np.moveaxis(want, -1, 1), atol=1e-6, rtol=1e-6)
    sym = cls(pool, strides=strides, padding=padding)(keras.Input(shape[1:]))
    assert sym.shape == (None,) + want.shape[1:]


@pytest.mark.parametrize("mode", ["max", "average"])
@pytest.mark.parametrize("pool,strides,padding,length", [
    (2, None, "valid", 9), (3, 2, "same", 8), (3, 1, "same", 1), (2, 3, "valid", 10)])
def test_pooling1d_values(mode, pool, strides, padding, length):
    cls = layers.MaxPooling1D if mode == "max" else layers.AveragePooling1D
    x = np.random.default_rng(1).standard_normal((2, length, 3)).astype("float32")
    want = _ref_pool(x[:, :, None, :], (pool, 1), (strides or pool, 1), padding, mode)
    got = np.asarray(cls(pool, strides=strides, padding=padding)(x))
    np.testing.assert_allclose(got, want[:, :, 0, :], atol=1e-6, rtol=1e-6)


def test_defaults_and_config():
    assert layers.MaxPooling2D().pool_size == (2, 2)
    assert layers.MaxPooling1D().get_config()["strides"] == (2,)
    config = layers.AveragePooling2D(3, strides=(1, 2), padding="same").get_config()
    assert {k: config[k] for k in ("pool_size", "strides", "padding", "data_format")} == {
        "pool_size": (3, 3), "strides": (1, 2), "padding": "same",
        "data_format": "channels_last"}
    again = layers.AveragePooling2D.from_config(config)
    assert again.get_config() == config
    with pytest.raises(TypeError):
        layers.AveragePooling1D()  # pool_size is required, as in Keras 3
    assert layers.MaxPooling2D().weights == []


@pytest.mark.parametrize("kwargs,match", [
    ({"pool_size": 0}, r"`pool_size`.*\{0\}"),
    ({"pool_size": (2, -1)}, r"`pool_size`.*\{-1\}"),
    ({"pool_size": 2, "strides": 0}, r"`strides`.*\{0\}"),
    ({"pool_size": 2.0}, r"`pool_size` argument must be a tuple of 2 integers"),
    ({"pool_size": 2, "padding": "causal"}, r"`padding`.*padding=causal"),
    ({"pool_size": 2, "data_format": "NHWC"}, r"`data_format`"),
])
def test_argument_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        layers.MaxPooling2D(**kwargs)


def test_build_errors():
    with pytest.raises(ValueError, match=r"zero or negative.*pool_size=\(5, 5\)"):
        layers.MaxPooling2D(5)(keras.Input((3, 3, 1)))
    with pytest.raises(ValueError, match="zero or negative"):
        layers.AveragePooling1D(4)(np.ones((1, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"expected ndim=4, found ndim=3"):
        layers.MaxPooling2D(2)(keras.Input((3, 1)))
    with pytest.raises(ValueError, match=r"expected ndim=3, found ndim=4"):
        layers.AveragePooling1D(2)(np.ones((1, 4, 4, 1), "float32"))
    assert layers.MaxPooling2D(5, padding="same")(keras.Input((3, 3, 1))).shape == \
        (None, 1, 1, 1)


def test_ties_nan_and_constant_inputs():
    # ties: the max is the tied value; the gradient goes to one cell only (sum preserved)
    x = np.array([2, 2, 1, 1, 5, 5], "float32").reshape(1, 6, 1)
    xv = keras.Variable(x)
    with keras.GradientTape() as tape:
        y = layers.MaxPooling1D(2)(xv)
        loss = keras.ops.sum(y)
    np.testing.assert_array_equal(np.asarray(y).ravel(), [2, 1, 5])
    g = np.asarray(tape.gradient(loss, xv)).ravel()
    np.testing.assert_array_equal(g.reshape(3, 2).sum(axis=1), [1, 1, 1])
    assert set(np.unique(g)) <= {0.0, 1.0}
    # NaN: the average of a window holding NaN is NaN, the other windows are untouched
    x = np.array([1, np.nan, 3, 2, 2, 0], "float32").reshape(1, 6, 1)
    avg = np.asarray(layers.AveragePooling1D(2)(x)).ravel()
    assert np.isnan(avg[0]) and np.allclose(avg[1:], [2.5, 1.0])
    # max: NaN propagates (as Keras's JAX and torch backends; TensorFlow's CPU kernel
    # drops it), whichever side of the window it is on
    mx = np.asarray(layers.MaxPooling1D(2)(x)).ravel()
    assert np.isnan(mx[0])
    np.testing.assert_array_equal(mx[1:], [3.0, 2.0])
    x = np.array([np.nan, 1, 3, 2], "float32").reshape(1, 4, 1)
    mx = np.asarray(layers.MaxPooling1D(2)(x)).ravel()
    assert np.isnan(mx[0]) and mx[1] == 3.0
    # -inf and large values survive (no padding value leaks into "same" windows)
    x = np.full((1, 3, 3, 1), -1e30, "float32")
    np.testing.assert_array_equal(np.asarray(layers.MaxPooling2D(2, padding="same")(x)),
                                  np.full((1, 2, 2, 1), -1e30, "float32"))
