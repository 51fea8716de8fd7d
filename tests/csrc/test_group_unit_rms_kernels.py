"""_C kernels of GroupNormalization, UnitNormalization and LayerNormalization with
rms_scaling vs NumPy float64 at sizes that split into several thread chunks, channel
tiles and 256-term leaves, on one and two threads (the `threads` fixture): the results
do not depend on the thread count."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit.core._c import _C

T = _C.from_numpy
EPS = 1e-3


def a(t):
    return np.asarray(t)


def _data(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = (1.5 + 2 * rng.standard_normal(shape)).astype(np.float32)
    dy = rng.standard_normal(shape).astype(np.float32)
    c = shape[-1]
    return x, dy, rng.uniform(0.5, 1.5, c).astype(np.float32), \
        rng.standard_normal(c).astype(np.float32)


def _one_thread(fn):
    old = ff.config.get_num_threads()
    ff.config.set_num_threads(1)
    try:
        return fn()
    finally:
        ff.config.set_num_threads(old)


@pytest.mark.parametrize("shape,groups", [((3, 1, 1), 1), ((5, 300, 8), 4),
                                          ((2, 2100, 6), 3), ((70, 40, 1200), 2)])
def test_group_norm_kernels(threads, shape, groups):
    x, dy, gamma, beta = _data(shape)
    n, c = shape[0], shape[-1]
    g = x.astype(np.float64).reshape(n, -1, groups, c // groups)
    mean, var = g.mean(axis=(1, 3)), g.var(axis=(1, 3))
    inv_std = 1 / np.sqrt(var[:, None, :, None] + EPS)
    xhat = ((g - mean[:, None, :, None]) * inv_std).reshape(shape)

    def run():
        y, m, inv = _C.group_norm_forward(T(x), T(gamma), T(beta), groups, EPS)
        grads = _C.group_norm_backward(T(dy), T(x), m, inv, T(gamma), groups, True, True,
                                       True)
        return [a(t) for t in (y, m, inv, *grads)]

    y, m, inv, dx, dgamma, dbeta = run()
    np.testing.assert_allclose(y, xhat * gamma + beta, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(m, mean, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(inv, 1 / np.sqrt(var + EPS), rtol=1e-5)
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(dbeta, dy.astype(np.float64).sum(axes), rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(dgamma, (dy * xhat).sum(axes), rtol=1e-4, atol=1e-3)
    # dx: each group's h = dy * gamma centred, minus its projection on xhat.
    h = (dy * gamma).astype(np.float64).reshape(g.shape)
    xh = xhat.reshape(g.shape)
    want = (h - h.mean(axis=(1, 3), keepdims=True)
            - xh * (h * xh).mean(axis=(1, 3), keepdims=True)) * inv_std
    np.testing.assert_allclose(dx, want.reshape(shape), rtol=1e-4, atol=1e-4)
    for got, once in zip((y, m, inv, dx, dgamma, dbeta), _one_thread(run)):
        np.testing.assert_array_equal(got, once)


@pytest.mark.parametrize("R,C", [(1, 1), (7, 3), (3, 300), (4100, 70), (2, 2100)])
def test_unit_norm_and_rms_kernels(threads, R, C):
    x, dy, gamma, _ = _data((R, C))
    x64, dy64 = x.astype(np.float64), dy.astype(np.float64)

    def run():
        y, sq = _C.unit_norm_forward(T(x))
        dx = _C.unit_norm_backward(T(dy), T(x), sq)
        r, m, inv = _C.layer_norm_rms_forward(T(x), T(gamma), EPS)
        rdx, rdg = _C.layer_norm_rms_backward(T(dy), T(x), m, inv, T(gamma), True, True)
        return [a(t) for t in (y, sq, dx, r, rdx, rdg)]

    y, sq, dx, r, rdx, rdg = run()
    s = (x64 * x64).sum(1, keepdims=True)
    np.testing.assert_allclose(y, x64 / np.sqrt(s), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(sq, s[:, 0], rtol=1e-5)
    proj = (dy64 * x64).sum(1, keepdims=True)
    np.testing.assert_allclose(dx, dy64 / np.sqrt(s) - x64 * proj / s ** 1.5, rtol=1e-4,
                               atol=1e-5)
    inv = 1 / np.sqrt(x64.var(1, keepdims=True) + EPS)
    np.testing.assert_allclose(r, x64 * inv * gamma, rtol=1e-5, atol=1e-5)
    g = dy64 * gamma
    xhat = (x64 - x64.mean(1, keepdims=True)) * inv
    want = inv * (g - xhat * inv * (g * x64).mean(1, keepdims=True))
    np.testing.assert_allclose(rdx, want, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(rdg, (dy64 * x64 * inv).sum(0), rtol=1e-4, atol=1e-3)
    for got, once in zip((y, sq, dx, r, rdx, rdg), _one_thread(run)):
        np.testing.assert_array_equal(got, once)
