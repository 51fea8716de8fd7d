"""BatchNormalization and LayerNormalization run on the fused C++ ops: one op forward
(and one backward) per call, for every axis, in training, inference, frozen and masked
use; gradients checked against float64 finite differences."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.helpers import check_op

EPS = 1e-3


def recorded_ops(fn, x):
    v = keras.Variable(x)
    with keras.GradientTape(persistent=True) as tape:
        fn(v)
    return [node.op for node in tape._nodes]


def bn_layer(shape, axis, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    layer = keras.layers.BatchNormalization(axis=axis, epsilon=EPS, **kwargs)
    layer.build(shape)
    c = shape[axis]
    weights = [rng.uniform(0.5, 1.5, c), rng.standard_normal(c), rng.standard_normal(c),
               rng.uniform(0.5, 2, c)]
    layer.set_weights(weights[-2:] if not layer.scale and not layer.center else weights)
    return layer, [w.astype(np.float64) for w in weights]


def bshape(ndim, axis, c):
    shape = [1] * ndim
    shape[axis] = c
    return shape


@pytest.mark.parametrize("axis", [-1, 1])
def test_batch_norm_is_one_fused_op(axis):
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 3)).astype(np.float32)
    layer, _ = bn_layer(x.shape, axis)
    moved = [] if axis == -1 else ["transpose"]
    for training in (True, False):
        ops_run = recorded_ops(lambda v, t=training: layer(v, training=t), x)
        assert ops_run == moved + ["batch_norm"] + moved


def test_layer_norm_is_one_fused_op():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    for axis in (-1, [1, 2]):
        layer = keras.layers.LayerNormalization(axis=axis)
        assert "layer_norm" in recorded_ops(layer, x)
        assert not {"reduce", "unary"} & set(recorded_ops(layer, x))


@pytest.mark.parametrize("training", [True, False])
def test_channels_first_batch_norm_with_gradients(training):
    """axis=1 of a 4-D input (channels_first images): moved last and back."""
    shape = (3, 2, 4, 5)
    layer, (gamma, beta, mm, mv) = bn_layer(shape, 1)
    x = np.random.default_rng(1).standard_normal(shape) * 2 + 0.5
    b = lambda v: np.reshape(v, bshape(4, 1, 2))  # noqa: E731

    def ref(x):
        if training:
            mean, var = x.mean((0, 2, 3)), x.var((0, 2, 3))
        else:
            mean, var = mm, mv
        return (x - b(mean)) / np.sqrt(b(var) + EPS) * b(gamma) + b(beta)

    check_op(lambda x: layer(x, training=training), ref, [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)


def test_frozen_batch_norm_gradient_uses_moving_statistics():
    layer, (gamma, beta, mm, mv) = bn_layer((6, 3), -1, center=True)
    layer.trainable = False
    x = np.random.default_rng(2).standard_normal((6, 3))
    check_op(lambda x: layer(x, training=True),
             lambda x: (x - mm) / np.sqrt(mv + EPS) * gamma + beta, [x],
             atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm, rtol=1e-7)


def test_masked_batch_norm_gradient_flows_through_masked_statistics():
    layer, (gamma, beta, _, _) = bn_layer((2, 4, 3), -1)
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], dtype=bool)
    x = np.random.default_rng(3).standard_normal((2, 4, 3))

    def ref(x):
        sel = x[mask]
        count = mask.sum() + 1e-7
        mean = sel.sum(0) / count
        var = ((sel - mean) ** 2).sum(0) / count
        return (x - mean) / np.sqrt(var + EPS) * gamma + beta

    check_op(lambda x: layer(x, training=True, mask=mask), ref, [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)


def test_batch_norm_training_with_a_large_mean():
    layer, (gamma, beta, mm, mv) = bn_layer((256, 4), -1, momentum=0.5)
    x = (1000 + 0.01 * np.random.default_rng(4).standard_normal((256, 4))).astype(np.float32)
    x64 = x.astype(np.float64)
    out = np.asarray(layer(x, training=True))
    ref = (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + EPS) * gamma + beta
    # var + eps is dominated by eps here; the float32 mean's half ulp shows as 1e-3.
    np.testing.assert_allclose(out, ref, atol=2e-3)
    np.testing.assert_allclose(layer.moving_mean.numpy(), mm * 0.5 + x64.mean(0) * 0.5,
                               rtol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), mv * 0.5 + x64.var(0) * 0.5,
                               rtol=1e-5)


@pytest.mark.parametrize("kwargs", [{"center": False}, {"scale": False},
                                    {"center": False, "scale": False}])
def test_layer_norm_options_on_the_fused_path(kwargs):
    layer = keras.layers.LayerNormalization(epsilon=EPS, **kwargs)
    layer.build((4, 5))
    rng = np.random.default_rng(5)
    weights = [rng.uniform(0.5, 1.5, 5) for _ in layer.weights]
    layer.set_weights(weights)
    gamma = weights[0] if layer.scale else 1.0
    beta = weights[-1] if layer.center else 0.0
    x = rng.standard_normal((4, 5)) * 3

    def ref(x):
        return ((x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + EPS)
                * gamma + beta)

    check_op(layer, ref, [x], atol=2e-5, rtol=2e-5, grad_atol=5e-3, grad_rtol=5e-3)
