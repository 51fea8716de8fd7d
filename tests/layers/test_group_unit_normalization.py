"""GroupNormalization and UnitNormalization: NumPy references (values and gradients),
argument errors, config round trips, and training (eager path)."""

import numpy as np
import pytest

import pyfastfit as keras

L = keras.layers


def _group_norm_ref(x, groups, axis, gamma, beta, eps):
    x = np.moveaxis(x.astype(np.float64), axis, -1)
    shape = x.shape
    g = x.reshape(shape[0], -1, groups, shape[-1] // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    out = ((g - mean) / np.sqrt(var + eps)).reshape(shape) * gamma + beta
    return np.moveaxis(out, -1, axis)


@pytest.mark.parametrize("shape,groups,axis", [((4, 6), 3, -1), ((3, 3, 4), 2, -1),
                                               ((4, 3, 3), 2, 1), ((5, 3), -1, -1),
                                               ((5, 3), 1, -1)])
def test_group_normalization_matches_numpy(shape, groups, axis):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + shape).astype(np.float32) * 3 + 1
    layer = L.GroupNormalization(groups=groups, axis=axis, epsilon=0.01)
    layer(x)
    gamma = rng.normal(size=layer.gamma.shape).astype(np.float32)
    beta = rng.normal(size=layer.beta.shape).astype(np.float32)
    layer.set_weights([gamma, beta])
    channels = x.shape[axis]
    g = channels if groups == -1 else groups
    bshape = [1] * x.ndim
    bshape[axis] = channels
    want = _group_norm_ref(x, g, axis % x.ndim, gamma, beta, 0.01) if axis % x.ndim == \
        x.ndim - 1 else None
    if want is None:  # channels on axis 1: move them last for the reference
        xm = np.moveaxis(x, axis, -1)
        want = np.moveaxis(_group_norm_ref(xm, g, -1, gamma, beta, 0.01), -1, axis)
    np.testing.assert_allclose(np.asarray(layer(x)), want, rtol=1e-4, atol=1e-5)


def test_group_normalization_gradient_and_errors():
    rng = np.random.default_rng(1)
    x = keras.ops.convert_to_tensor(rng.normal(size=(2, 3, 4)).astype(np.float32))
    layer = L.GroupNormalization(groups=2, epsilon=1e-7)
    with keras.GradientTape() as tape:
        tape.watch(x)
        out = keras.ops.sum(keras.ops.square(layer(x)))
    gx, gg, gb = tape.gradient(out, [x, layer.gamma, layer.beta])
    # With gamma=1, beta=0 (and a tiny epsilon) the output has unit variance per group:
    # its sum of squares is the count per group whatever x is, so d/dx is ~0; and
    # d/dgamma = 2 * sum(y^2), d/dbeta = 2 * sum(y) per channel.
    np.testing.assert_allclose(np.asarray(gx), 0, atol=1e-3)
    y = np.asarray(layer(x))
    np.testing.assert_allclose(np.asarray(gg), 2 * (y ** 2).sum(axis=(0, 1)), rtol=1e-4)
    np.testing.assert_allclose(np.asarray(gb), 2 * y.sum(axis=(0, 1)), atol=1e-4)
    with pytest.raises(ValueError, match="multiple of the number of channels"):
        L.GroupNormalization(groups=3)(np.ones((1, 2, 4), np.float32))
    with pytest.raises(ValueError, match="cannot be more than"):
        L.GroupNormalization(groups=8)(np.ones((1, 2, 4), np.float32))


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_unit_normalization_matches_numpy(axis):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 2)).astype(np.float32)
    x[0] = 0  # a zero sample stays 0 (the squared norm is floored at 1e-12)
    ax = tuple(axis) if isinstance(axis, list) else axis
    norm = np.sqrt(np.maximum((x.astype(np.float64) ** 2).sum(axis=ax, keepdims=True), 1e-12))
    np.testing.assert_allclose(np.asarray(L.UnitNormalization(axis=axis)(x)), x / norm,
                               rtol=1e-5, atol=1e-7)
    with pytest.raises(TypeError, match="axis"):
        L.UnitNormalization(axis="last")


def test_config_round_trip_and_training():
    gn = L.GroupNormalization(groups=2, axis=1, center=False, epsilon=0.1)
    assert L.GroupNormalization.from_config(gn.get_config()).get_config() == gn.get_config()
    un = L.UnitNormalization(axis=[1, 2])
    assert L.UnitNormalization.from_config(un.get_config()).axis == [1, 2]
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 4, 6)).astype(np.float32)
    y = rng.normal(size=(16, 1)).astype(np.float32)
    model = keras.Sequential([keras.Input((4, 6)), L.Conv1D(4, 3),
                              L.GroupNormalization(groups=2), L.UnitNormalization(),
                              L.Flatten(), L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    h = model.fit(x, y, epochs=3, batch_size=8, verbose=0).history["loss"]
    assert np.isfinite(h).all() and h[-1] < h[0]
    assert model.fast_path_reason is None  # both layers have fast-path nodes
