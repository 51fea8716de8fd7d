"""The fused kernels of LayerNormalization(rms_scaling=True), GroupNormalization and
UnitNormalization (`pyfastfit.ops._normalization`; the fast path's nodes call the same
kernels) vs NumPy float64, with finite-difference gradient checks for every tensor
argument, and their argument errors."""

import numpy as np
import pytest

from pyfastfit.core._c import _C
from pyfastfit.ops import _normalization as norm
from tests.helpers import check_op

rng = np.random.default_rng(0)


def rms_ref(x, gamma, eps=1e-3):
    # Keras's deprecated rms_scaling: x * gamma / sqrt(var + eps), no centering.
    return x / np.sqrt(x.var(-1, keepdims=True) + eps) * gamma


def group_ref(x, gamma, beta, groups, eps=1e-3):
    n, c = x.shape[0], x.shape[-1]
    g = x.reshape(n, -1, groups, c // groups)
    mean = g.mean(axis=(1, 3), keepdims=True)
    var = g.var(axis=(1, 3), keepdims=True)
    return ((g - mean) / np.sqrt(var + eps)).reshape(x.shape) * gamma + beta


def unit_ref(x):
    return x / np.sqrt(np.maximum((x * x).sum(-1, keepdims=True), 1e-12))


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 6), (3, 1), (2, 300)])
def test_layer_norm_rms_matches_numpy_with_gradients(shape):
    x = rng.standard_normal(shape) * 2 + 0.5
    gamma = rng.uniform(0.5, 1.5, shape[-1])
    check_op(lambda x, g: norm.layer_norm_rms(x, g), rms_ref, [x, gamma],
             atol=2e-5, rtol=2e-5, grad_atol=5e-3, grad_rtol=5e-3)
    check_op(lambda x: norm.layer_norm_rms(x, None, 0.1),
             lambda x: rms_ref(x, 1.0, 0.1), [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)


@pytest.mark.parametrize("shape,groups", [((4, 6), 2), ((3, 5, 6), 3), ((2, 4, 3, 4), 1),
                                          ((2, 3, 4), 4), ((2, 70, 8), 2)])
def test_group_norm_matches_numpy_with_gradients(shape, groups):
    x = rng.standard_normal(shape) * 2 + 1
    c = shape[-1]
    gamma, beta = rng.uniform(0.5, 1.5, c), rng.standard_normal(c)
    check_op(lambda x, g, b: norm.group_norm(x, groups, g, b),
             lambda x, g, b: group_ref(x, g, b, groups), [x, gamma, beta],
             atol=2e-5, rtol=2e-5, grad_atol=5e-3, grad_rtol=5e-3)
    check_op(lambda x: norm.group_norm(x, groups, epsilon=0.1),
             lambda x: group_ref(x, 1.0, 0.0, groups, 0.1), [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)


@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 6), (3, 1), (2, 300)])
def test_unit_norm_matches_numpy_with_gradients(shape):
    x = rng.standard_normal(shape)
    check_op(norm.unit_norm, unit_ref, [x], atol=1e-6, rtol=1e-5, grad_atol=2e-3,
             grad_rtol=2e-3)


def test_unit_norm_of_a_zero_row_is_zero_with_the_clamped_gradient():
    """Below the 1e-12 floor the divisor is the constant 1e6: y = x * 1e6 and the
    gradient is dy * 1e6 (the eager maximum's: nothing flows through the sum)."""
    x = np.zeros((2, 3), np.float32)
    x[1] = [1e-8, 0, 0]
    _, sq = _C.unit_norm_forward(norm._float(x)._c)
    np.testing.assert_allclose(np.asarray(norm.unit_norm(x)), x * 1e6, rtol=1e-6)
    dy = np.ones((2, 3), np.float32)
    dx = _C.unit_norm_backward(norm._float(dy)._c, norm._float(x)._c, sq)
    np.testing.assert_allclose(np.asarray(norm.wrap(dx)), dy * 1e6, rtol=1e-6)


def test_group_norm_results_do_not_depend_on_the_batch_split():
    """Each sample is normalized alone: a batch and its halves give the same bits (the
    fast path runs a batch's rows in shares)."""
    x = rng.standard_normal((6, 5, 8)).astype(np.float32)
    g, b = (rng.standard_normal(8).astype(np.float32) for _ in range(2))
    whole = np.asarray(norm.group_norm(x, 4, g, b))
    parts = np.concatenate([np.asarray(norm.group_norm(x[:2], 4, g, b)),
                            np.asarray(norm.group_norm(x[2:], 4, g, b))])
    np.testing.assert_array_equal(whole, parts)


@pytest.mark.parametrize("call,match", [
    (lambda: norm.group_norm(np.ones((2, 6), np.float32), 4), "groups=4 must divide the 6"),
    (lambda: norm.group_norm(np.ones((6,), np.float32), 2), "batch axis and a channel"),
    (lambda: norm.group_norm(np.ones((2, 6), np.float32), 2, np.ones(5)),
     r"gamma must have shape \(6,\)"),
    (lambda: norm.layer_norm_rms(np.ones((2, 3), np.float32), np.ones(4)),
     r"gamma must have shape \(3,\)"),
    (lambda: norm.layer_norm_rms(np.ones((2, 3), np.float32), None, -1.0), "epsilon"),
])
def test_argument_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()
