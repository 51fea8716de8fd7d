"""_C normalization kernels (cpu/normalization) vs NumPy float64: BatchNormalization
statistics, forward and backward (batch and constant statistics), moving averages, and
LayerNormalization forward and backward; odd sizes, R = 1, C = 1, a large mean, NaN,
one and two threads, and the argument errors."""

import numpy as np
import pytest

from pyfastfit.core._c import _C

T = _C.from_numpy
# (R, C): single row/column, odd sizes, and sizes that split into several super-blocks
# of 2048 rows, channel tiles of 1024, rows of several 256-term leaves, and thread
# chunks (R * C above the 32K grain).
SIZES = [(1, 1), (1, 5), (7, 1), (33, 3), (100, 17), (2049, 3), (5000, 16), (3, 300),
         (4100, 70), (2, 2100)]
EPS = 1e-3


def a(t):
    return np.asarray(t)


def data(R, C, seed=0, loc=0.0, scale=1.0):
    rng = np.random.default_rng(seed + R * 7 + C)
    x = (loc + scale * rng.standard_normal((R, C))).astype(np.float32)
    dy = rng.standard_normal((R, C)).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, C).astype(np.float32)
    beta = rng.standard_normal(C).astype(np.float32)
    return x, dy, gamma, beta


def bn_backward_ref(dy, x, mean, var, gamma, batch_stats):
    dy, x, mean, var = (v.astype(np.float64) for v in (dy, x, mean, var))
    g = np.ones_like(mean) if gamma is None else gamma.astype(np.float64)
    inv = 1 / np.sqrt(var + EPS)
    xhat = (x - mean) * inv
    dbeta, dgamma = dy.sum(0), (dy * xhat).sum(0)
    if batch_stats:
        dx = g * inv * (dy - dy.mean(0) - xhat * (dy * xhat).mean(0))
    else:
        dx = dy * g * inv
    return dx, dgamma, dbeta


def ln_ref(x, gamma, beta):
    x = x.astype(np.float64)
    mean = x.mean(1, keepdims=True)
    inv = 1 / np.sqrt(x.var(1, keepdims=True) + EPS)
    y = (x - mean) * inv
    y = y if gamma is None else y * gamma
    return (y if beta is None else y + beta), mean[:, 0], inv[:, 0]


def ln_backward_ref(dy, x, gamma):
    x, dy = x.astype(np.float64), dy.astype(np.float64)
    _, mean, inv = ln_ref(x, None, None)
    xhat = (x - mean[:, None]) * inv[:, None]
    g = dy if gamma is None else dy * gamma
    dx = inv[:, None] * (g - g.mean(1, keepdims=True)
                         - xhat * (g * xhat).mean(1, keepdims=True))
    return dx, (dy * xhat).sum(0), dy.sum(0)


@pytest.mark.parametrize("R,C", SIZES)
def test_batch_norm_statistics_and_forward(threads, R, C):
    x, _, gamma, beta = data(R, C, loc=3.0, scale=2.0)
    x64 = x.astype(np.float64)
    mean, var = _C.batch_norm_statistics(T(x))
    np.testing.assert_allclose(a(mean), x64.mean(0), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(a(var), x64.var(0), rtol=1e-5, atol=1e-7)
    ref = (x64 - x64.mean(0)) / np.sqrt(x64.var(0) + EPS)
    for g, b in [(None, None), (gamma, None), (None, beta), (gamma, beta)]:
        y = _C.batch_norm_forward(T(x), mean, var, None if g is None else T(g),
                                  None if b is None else T(b), EPS)
        expect = ref * (1 if g is None else g) + (0 if b is None else b)
        np.testing.assert_allclose(a(y), expect, rtol=1e-5, atol=1e-5)
    y, m2, v2 = _C.batch_norm_train_forward(T(x), T(gamma), T(beta), EPS)
    np.testing.assert_array_equal(a(m2), a(mean))
    np.testing.assert_array_equal(a(v2), a(var))
    np.testing.assert_allclose(a(y), ref * gamma + beta, rtol=1e-5, atol=1e-5)
    # The same input and thread count give the same bits.
    np.testing.assert_array_equal(a(_C.batch_norm_train_forward(T(x), T(gamma), T(beta),
                                                                EPS)[0]), a(y))


def test_statistics_stay_accurate_with_a_large_mean(threads):
    """x = 1000 + small noise: E[x^2] - E[x]^2 in float32 loses every digit; the
    two-pass statistics keep the variance to float32 round-off."""
    x, _, _, _ = data(5000, 16, loc=1000.0, scale=0.01)
    x64 = x.astype(np.float64)
    mean, var = _C.batch_norm_statistics(T(x))
    np.testing.assert_allclose(a(mean), x64.mean(0), rtol=2e-7)
    np.testing.assert_allclose(a(var), x64.var(0), rtol=1e-4)
    naive = (x * x).mean(0, dtype=np.float32) - x.mean(0, dtype=np.float32) ** 2
    assert np.max(np.abs(naive / x64.var(0) - 1)) > 1.0  # what the test guards against
    # The float32 mean itself is off by up to half an ulp of 1000 (3e-5), which is 3e-3
    # of the noise's std: the normalized values can be no closer than that.
    y = _C.batch_norm_forward(T(x), mean, var, None, None, 1e-12)
    np.testing.assert_allclose(a(y), (x64 - x64.mean(0)) / x64.std(0), atol=4e-3)
    # LayerNormalization over rows with the same large mean.
    y, m, inv = _C.layer_norm_forward(T(np.ascontiguousarray(x.T)), None, None, EPS)
    ref, rm, rinv = ln_ref(x.T, None, None)
    np.testing.assert_allclose(a(m), rm, rtol=2e-7)
    np.testing.assert_allclose(a(inv), rinv, rtol=1e-4)
    np.testing.assert_allclose(a(y), ref, atol=4e-3)


@pytest.mark.parametrize("R,C", SIZES)
@pytest.mark.parametrize("batch_stats", [True, False])
def test_batch_norm_backward(threads, R, C, batch_stats):
    x, dy, gamma, _ = data(R, C, seed=1)
    mean, var = _C.batch_norm_statistics(T(x))
    for g in (None, gamma):
        dx, dgamma, dbeta, _, _ = _C.batch_norm_backward(
            T(dy), T(x), mean, var, None if g is None else T(g), EPS, batch_stats, True,
            True, True)
        rdx, rdg, rdb = bn_backward_ref(dy, x, a(mean), a(var), g, batch_stats)
        np.testing.assert_allclose(a(dx), rdx, rtol=1e-4, atol=1e-4 if R > 1 else 1e-2)
        np.testing.assert_allclose(a(dgamma), rdg, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(a(dbeta), rdb, rtol=1e-5, atol=1e-3)
    # Gradients not asked for are not computed (empty tensors).
    dx, dgamma, dbeta, _, _ = _C.batch_norm_backward(T(dy), T(x), mean, var, None, EPS,
                                                     batch_stats, False, False, True)
    assert a(dx).size <= 1 and a(dgamma).size <= 1
    np.testing.assert_allclose(a(dbeta), dy.astype(np.float64).sum(0), rtol=1e-5,
                               atol=1e-3)


def test_batch_norm_backward_mean_and_variance_gradients():
    x, dy, gamma, _ = data(20, 4, seed=2)
    rng = np.random.default_rng(3)
    mean = rng.standard_normal(4).astype(np.float32)
    var = rng.uniform(0.5, 2, 4).astype(np.float32)
    r = _C.batch_norm_backward(T(dy), T(x), T(mean), T(var), T(gamma), EPS, False, False,
                               False, False, True, True)
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)
    inv = 1 / np.sqrt(var.astype(np.float64) + EPS)
    np.testing.assert_allclose(a(r[3]), -gamma * inv * dy64.sum(0), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(a(r[4]), (-0.5 * gamma * (x64 - mean) * inv ** 3 * dy64).sum(0),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("R,C", SIZES)
def test_statistics_backward(threads, R, C):
    x, _, dmean, dvar = data(R, C, seed=4)
    mean, _ = _C.batch_norm_statistics(T(x))
    x64 = x.astype(np.float64)
    dx = _C.batch_norm_statistics_backward(T(dmean), T(dvar), T(x), mean)
    ref = dmean / R + dvar * 2 * (x64 - x64.mean(0)) / R
    np.testing.assert_allclose(a(dx), ref, rtol=1e-5, atol=1e-6)
    dx = _C.batch_norm_statistics_backward(None, T(dvar), T(x), mean)
    np.testing.assert_allclose(a(dx), dvar * 2 * (x64 - x64.mean(0)) / R, rtol=1e-5,
                               atol=1e-6)


def test_moving_average_update_in_place():
    moving = np.array([1.0, -2.0, 0.5], np.float32)
    batch = np.array([3.0, 4.0, np.nan], np.float32)
    m = T(moving)
    _C.moving_average_update_(m, T(batch), 0.9)
    np.testing.assert_allclose(moving[:2], [1.0 * 0.9 + 3.0 * 0.1, -2.0 * 0.9 + 4.0 * 0.1],
                               rtol=1e-6)
    assert np.isnan(moving[2])  # updated in place, NaN kept


@pytest.mark.parametrize("R,C", SIZES)
def test_layer_norm_forward_and_backward(threads, R, C):
    x, dy, gamma, beta = data(R, C, seed=5, loc=-2.0, scale=3.0)
    for g, b in [(None, None), (gamma, beta), (gamma, None)]:
        y, mean, inv = _C.layer_norm_forward(T(x), None if g is None else T(g),
                                             None if b is None else T(b), EPS)
        ref, rm, rinv = ln_ref(x, g, b)
        np.testing.assert_allclose(a(y), ref, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(a(mean), rm, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(a(inv), rinv, rtol=1e-5)
        dx, dgamma, dbeta = _C.layer_norm_backward(T(dy), T(x), mean, inv,
                                                   None if g is None else T(g), True, True,
                                                   True)
        rdx, rdg, rdb = ln_backward_ref(dy, x, g)
        np.testing.assert_allclose(a(dx), rdx, rtol=1e-4, atol=1e-4 if C > 1 else 1e-2)
        np.testing.assert_allclose(a(dgamma), rdg, rtol=1e-4, atol=1e-3)
        np.testing.assert_allclose(a(dbeta), rdb, rtol=1e-5, atol=1e-3)
    dx_only = _C.layer_norm_backward(T(dy), T(x), mean, inv, T(gamma), True, False, False)
    np.testing.assert_array_equal(a(dx_only[0]), a(dx))


def test_layer_norm_mean_and_inv_std_shapes():
    x = np.random.default_rng(6).standard_normal((2, 3, 4)).astype(np.float32)
    y, mean, inv = _C.layer_norm_forward(T(x), None, None, EPS)
    assert a(y).shape == (2, 3, 4) and a(mean).shape == (2, 3) and a(inv).shape == (2, 3)
    np.testing.assert_allclose(a(y), ln_ref(x.reshape(6, 4), None, None)[0].reshape(2, 3, 4),
                               rtol=1e-5, atol=1e-5)


def test_nan_propagates_only_where_it_belongs():
    x, dy, gamma, beta = data(40, 3, seed=7)
    x[5, 1] = np.nan
    mean, var = _C.batch_norm_statistics(T(x))
    assert np.isnan(a(mean)[1]) and np.isnan(a(var)[1])
    assert np.isfinite(a(mean)[[0, 2]]).all() and np.isfinite(a(var)[[0, 2]]).all()
    y = a(_C.batch_norm_forward(T(x), mean, var, T(gamma), T(beta), EPS))
    assert np.isnan(y[:, 1]).all() and np.isfinite(y[:, [0, 2]]).all()
    dx, dgamma, _, _, _ = _C.batch_norm_backward(T(dy), T(x), mean, var, T(gamma), EPS,
                                                 True, True, True, False)
    assert np.isnan(a(dx)[:, 1]).all() and np.isfinite(a(dx)[:, [0, 2]]).all()
    assert np.isnan(a(dgamma)[1]) and np.isfinite(a(dgamma)[[0, 2]]).all()
    y, mean, inv = _C.layer_norm_forward(T(x), T(gamma), T(beta), EPS)
    rows = np.isnan(a(y)).any(1)
    assert rows.tolist() == [r == 5 for r in range(40)] and np.isnan(a(y)[5]).all()
    dx, dgamma, dbeta = _C.layer_norm_backward(T(dy), T(x), mean, inv, T(gamma), True, True,
                                               True)
    assert np.isnan(a(dx)[5]).all() and np.isfinite(np.delete(a(dx), 5, 0)).all()
    assert np.isnan(a(dgamma)).all() and np.isfinite(a(dbeta)).all()


def test_constant_input_has_zero_variance():
    x = np.full((37, 2), 0.1, np.float32)
    mean, var = _C.batch_norm_statistics(T(x))
    np.testing.assert_allclose(a(mean), 0.1, rtol=1e-7)
    assert (a(var) >= 0).all() and (a(var) < 1e-12).all()
    y, _, inv = _C.layer_norm_forward(T(np.ascontiguousarray(x.T)), None, None, EPS)
    np.testing.assert_allclose(a(y), 0.0, atol=1e-4)
    np.testing.assert_allclose(a(inv), 1 / np.sqrt(EPS), rtol=1e-5)


def f32(*shape):
    return T(np.ones(shape, np.float32))


@pytest.mark.parametrize("call,match", [
    (lambda: _C.batch_norm_statistics(T(np.ones((2, 3), np.int32))),
     r"\[batch_norm_statistics\] x must be float32"),
    (lambda: _C.batch_norm_statistics(T(np.array(1, np.float32))), "at least one axis"),
    (lambda: _C.batch_norm_statistics(f32(2, 0)), "at least one feature"),
    (lambda: _C.batch_norm_forward(f32(2, 3), f32(3), f32(4), None, None, EPS),
     r"\[batch_norm\] variance must have shape \(3,\).*got shape \(4,\)"),
    (lambda: _C.batch_norm_forward(f32(2, 3), f32(3), f32(3), f32(2), None, EPS),
     r"\[batch_norm\] gamma must have shape \(3,\)"),
    (lambda: _C.batch_norm_train_forward(f32(2, 3), None, f32(1, 3), EPS),
     r"\[batch_norm\] beta must have shape \(3,\)"),
    (lambda: _C.batch_norm_train_forward(f32(2, 3), None, None, -1.0),
     r"\[batch_norm\] epsilon must be a finite number >= 0, got -1"),
    (lambda: _C.batch_norm_train_forward(f32(2, 3), None, None, float("nan")),
     "epsilon must be"),
    (lambda: _C.batch_norm_backward(f32(2, 4), f32(2, 3), f32(3), f32(3), None, EPS, True,
                                    True, True, True),
     r"\[batch_norm_backward\] dy has shape \(2, 4\) but x has shape \(2, 3\)"),
    (lambda: _C.batch_norm_backward(f32(2, 3), f32(2, 3), f32(3), f32(3), None, EPS, True,
                                    True, True, True, True, False),
     r"\[batch_norm_backward\] the batch statistics .* no gradient"),
    (lambda: _C.batch_norm_statistics_backward(f32(2), None, f32(2, 3), f32(3)),
     r"\[batch_norm_statistics_backward\] dmean must have shape \(3,\)"),
    (lambda: _C.moving_average_update_(f32(3), f32(2), 0.9),
     r"\[moving_average_update\] batch must have shape \(3,\)"),
    (lambda: _C.moving_average_update_(f32(1, 3), f32(3), 0.9), "moving must be a vector"),
    (lambda: _C.layer_norm_forward(f32(2, 3), f32(2), None, EPS),
     r"\[layer_norm\] gamma must have shape \(3,\)"),
    (lambda: _C.layer_norm_backward(f32(2, 3), f32(2, 3), f32(3), f32(2), None, True,
                                    True, True),
     r"\[layer_norm_backward\] mean must have shape \(2,\)"),
    (lambda: _C.layer_norm_backward(f32(2, 3), f32(2, 3), f32(2), T(np.ones(2, np.int32)), None,
                                    True, True, True),
     r"\[layer_norm_backward\] inv_std must be float32"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
