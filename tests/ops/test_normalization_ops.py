"""The fused normalization ops (`ops.batch_normalization`, `ops.moments`,
`ops.layer_normalization` and the internal training op) vs NumPy float64, with finite-
difference gradient checks for every tensor argument, and their argument errors."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.ops import _normalization as norm
from tests.helpers import check_op

rng = np.random.default_rng(0)


def bn_ref(x, mean, var, scale, offset, axis, eps=1e-3):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: np.reshape(v, shape)  # noqa: E731
    return (x - r(mean)) / np.sqrt(r(var) + eps) * r(scale) + r(offset)


def train_ref(x, gamma, beta, eps=1e-3):
    axes = tuple(range(x.ndim - 1))
    mean, var = x.mean(axes), x.var(axes)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@pytest.mark.parametrize("shape,axis", [((5, 3), -1), ((2, 3, 4, 2), 1), ((4, 1), 1),
                                        ((1, 6), -1), ((3, 4, 5), 0)])
def test_batch_normalization_matches_numpy_with_gradients(shape, axis):
    c = shape[axis]
    x = rng.standard_normal(shape)
    mean, off = rng.standard_normal(c), rng.standard_normal(c)
    var, scale = rng.uniform(0.5, 2, c), rng.uniform(0.5, 1.5, c)
    check_op(lambda *a: ops.batch_normalization(a[0], a[1], a[2], axis, a[4], a[3]),
             lambda *a: bn_ref(*a, axis % len(shape)), [x, mean, var, scale, off],
             atol=1e-5, rtol=1e-5)
    # Without scale and offset, and the epsilon given.
    check_op(lambda x, m, v: ops.nn.batch_normalization(x, m, v, axis, epsilon=0.1),
             lambda x, m, v: bn_ref(x, m, v, 1.0, 0.0, axis % len(shape), 0.1),
             [x, mean, var], atol=1e-5, rtol=1e-5)


def test_batch_normalization_accepts_vectors_of_other_shapes():
    x = rng.standard_normal((4, 3)).astype(np.float32)
    m, v = ops.moments(x, axes=[0], keepdims=True)
    assert tuple(m.shape) == (1, 3)
    y = np.asarray(ops.batch_normalization(x, m, v, axis=1, epsilon=0.0))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(y, (x64 - x64.mean(0)) / x64.std(0), atol=1e-5)


@pytest.mark.parametrize("kwargs,match", [
    ({"mean": np.zeros(4)}, "`mean` must be a vector of length 3"),
    ({"variance": np.ones((2, 3))}, "`variance` must be a vector of length 3"),
    ({"scale": np.ones(2)}, "`scale` must be a vector of length 3"),
    ({"axis": 2}, "axis"),
])
def test_batch_normalization_errors(kwargs, match):
    args = {"x": np.ones((2, 3), np.float32), "mean": np.zeros(3), "variance": np.ones(3),
            "axis": -1}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ops.batch_normalization(**args)


@pytest.mark.parametrize("shape", [(6, 3), (2, 3, 4, 2), (1, 4), (5, 1)])
def test_training_op_matches_numpy_with_gradients(shape):
    """The layer's training op: the gradient flows through the batch statistics."""
    c = shape[-1]
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = rng.uniform(0.5, 1.5, c), rng.standard_normal(c)
    check_op(lambda *a: norm.batch_norm_train(*a)[0], train_ref, [x, gamma, beta],
             atol=2e-5, rtol=2e-5, grad_atol=5e-3, grad_rtol=5e-3)
    _, mean, var = norm.batch_norm_train(x.astype(np.float32))
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(np.asarray(mean), x.mean(axes), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(var), x.var(axes), rtol=1e-5, atol=1e-6)


def test_training_op_without_gamma_and_beta_and_unasked_gradients():
    x = rng.standard_normal((7, 2))
    check_op(lambda x: norm.batch_norm_train(x)[0], lambda x: train_ref(x, 1.0, 0.0), [x],
             atol=2e-5, rtol=2e-5, grad_atol=5e-3, grad_rtol=5e-3)
    # Only gamma is watched: x and beta get no gradient, gamma the right one.
    gamma = ff.Variable(np.ones(2, np.float32))
    beta = ff.Variable(np.zeros(2, np.float32), trainable=False)
    with ff.GradientTape() as tape:
        y = norm.batch_norm_train(x.astype(np.float32), gamma, beta)[0]
        loss = ops.sum(ops.multiply(y, y))
    g = tape.gradient(loss, [gamma, beta])
    xhat = train_ref(x, 1.0, 0.0)
    np.testing.assert_allclose(np.asarray(g[0]), 2 * (xhat * xhat).sum(0), rtol=1e-5)
    assert g[1] is None


@pytest.mark.parametrize("shape,axes,keepdims", [
    ((6, 3), [0], False), ((2, 3, 4), [0, 1], True), ((2, 3, 4), [0], False),
    ((5,), [0], False), ((3, 4), [0, 1], False), ((2, 3, 4), [1], True),
    ((2, 3, 4), [0, 2], False),
])
def test_moments_match_numpy_with_gradients(shape, axes, keepdims):
    """Leading axes take the fused kernel, the others the composed ops; same results."""
    x = rng.standard_normal(shape) * 3 + 2
    ax = tuple(axes)
    for k, ref in enumerate((lambda x: x.mean(ax, keepdims=keepdims),
                             lambda x: x.var(ax, keepdims=keepdims))):
        check_op(lambda x, k=k: ops.moments(x, axes, keepdims=keepdims)[k], ref, [x],
                 atol=1e-5, rtol=1e-5, grad_atol=5e-3, grad_rtol=5e-3)


def test_moments_large_mean_and_nan():
    x = (1000 + 0.01 * rng.standard_normal((500, 3))).astype(np.float32)
    mean, var = ops.moments(x, axes=[0])
    np.testing.assert_allclose(np.asarray(var), x.astype(np.float64).var(0), rtol=1e-4)
    x[3, 2] = np.nan
    mean, var = ops.moments(x, axes=[0])
    assert np.isnan(np.asarray(mean)[2]) and np.isfinite(np.asarray(var)[:2]).all()


def ln_ref(x, gamma, beta, axes, eps=1e-3):
    mean = x.mean(axes, keepdims=True)
    var = x.var(axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


@pytest.mark.parametrize("shape,axis", [((4, 5), -1), ((2, 3, 4), [1, 2]), ((3, 1), -1),
                                        ((1, 7), 1), ((2, 3, 4), 1)])
def test_layer_normalization_matches_numpy_with_gradients(shape, axis):
    axes = tuple(a % len(shape) for a in (axis if isinstance(axis, list) else [axis]))
    wshape = tuple(shape[a] for a in axes) if axes[-1] == len(shape) - 1 else \
        tuple(shape[a] if a in axes else 1 for a in range(len(shape)))
    x = rng.standard_normal(shape) * 2 - 1
    gamma, beta = rng.uniform(0.5, 1.5, wshape), rng.standard_normal(wshape)
    check_op(lambda *a: ops.layer_normalization(*a, axis=axis, epsilon=1e-3),
             lambda *a: ln_ref(*a, axes), [x, gamma, beta], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)
    check_op(lambda x: ops.nn.layer_normalization(x, axis=axis, epsilon=1e-3),
             lambda x: ln_ref(x, 1.0, 0.0, axes), [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)


def test_layer_normalization_large_mean_and_nan_rows():
    x = (1000 + 0.01 * rng.standard_normal((4, 256))).astype(np.float32)
    out = np.asarray(ops.layer_normalization(x, epsilon=1e-12))
    x64 = x.astype(np.float64)
    ref = (x64 - x64.mean(1, keepdims=True)) / x64.std(1, keepdims=True)
    np.testing.assert_allclose(out, ref, atol=4e-3)  # float32's mean: 0.5 ulp(1000) / 0.01
    x[1, 7] = np.nan
    out = np.asarray(ops.layer_normalization(x))
    assert np.isnan(out[1]).all() and np.isfinite(out[[0, 2, 3]]).all()
