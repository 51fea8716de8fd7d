"""cpu::gemm's own one-row (M = 1) and rank-1 (K = 1) products vs NumPy float64: every
transpose combination, widths around the vector length, the split path, the bias (beta
= 1) of the fused Dense op, and NaN / inf propagation."""

import numpy as np
import pytest

from pyfastfit.core._c import _C

SIZES = [  # (M, K, N)
    (1, 2, 1), (1, 1, 7), (1, 15, 8), (1, 16, 9), (1, 17, 31), (1, 33, 32), (1, 784, 33),
    (1, 784, 64), (1, 64, 784), (1, 5, 100), (1, 300, 5000),
    (2, 1, 1), (7, 1, 8), (9, 1, 33), (784, 1, 64), (64, 1, 784), (3000, 1, 100),
]


def _ref(a, b, ta, tb):
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    return (a64.T if ta else a64) @ (b64.T if tb else b64)


def _matmul(a, b, ta, tb):
    return np.asarray(_C.matmul(_C.from_numpy(a), _C.from_numpy(b), ta, tb))


@pytest.mark.parametrize("ta", [False, True])
@pytest.mark.parametrize("tb", [False, True])
@pytest.mark.parametrize("M,K,N", SIZES, ids=str)
def test_one_row_and_rank_one(threads, M, K, N, ta, tb):
    rng = np.random.default_rng(M * 7 + K * 3 + N)
    a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
    out = _matmul(a, b, ta, tb)
    assert out.shape == (M, N)
    np.testing.assert_allclose(out, _ref(a, b, ta, tb), rtol=1e-5, atol=1e-5 * np.sqrt(K))


@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_nan_and_inf_propagate(ta, tb):
    # 0 * NaN is NaN: no product may be skipped because a factor is zero.
    a = np.zeros((1, 40), np.float32)
    a[0, 3] = np.nan
    b = np.ones((40, 20), np.float32)
    b[5, 2] = np.inf
    a_, b_ = (a.T.copy() if ta else a), (b.T.copy() if tb else b)
    out = _matmul(a_, b_, ta, tb)
    assert np.isnan(out).all()  # every column meets a[0, 3] = NaN
    u = np.array([[0.0], [np.nan], [2.0]], np.float32)
    v = np.array([[1.0, np.inf, 0.0, -1.0]], np.float32)
    u_, v_ = (u.T.copy() if ta else u), (v.T.copy() if tb else v)
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(_matmul(u_, v_, ta, tb), u.astype(np.float64) @ v)


def test_dense_at_batch_one_adds_the_bias_and_its_gradients(threads):
    # beta = 1 (the bias is written first) and the backward's x^T g (K = 1), g W^T (M = 1).
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 37)).astype(np.float32)
    w = rng.standard_normal((37, 45)).astype(np.float32)
    bias = rng.standard_normal(45).astype(np.float32)
    bias[4] = np.nan
    out, _ = _C.dense_forward(_C.from_numpy(x), _C.from_numpy(w), _C.from_numpy(bias),
                              "linear")
    ref = x.astype(np.float64) @ w + bias
    np.testing.assert_allclose(np.asarray(out), ref, rtol=1e-5, atol=1e-5)
    assert np.isnan(np.asarray(out)[0, 4]) and np.isfinite(np.delete(np.asarray(out), 4)).all()
    g = rng.standard_normal((1, 45)).astype(np.float32)
    grads = _C.dense_backward(_C.from_numpy(g), _C.from_numpy(x), _C.from_numpy(w), out,
                              out, "linear", 0.0, True, True)
    dx, dw, db = (np.asarray(t) for t in grads)
    np.testing.assert_allclose(dw, x.T.astype(np.float64) @ g, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dx, g.astype(np.float64) @ w.T, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(db, g[0], rtol=1e-6)
