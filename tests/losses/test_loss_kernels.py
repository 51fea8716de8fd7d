"""The fused loss kernels called directly: shapes, 0-d inputs, errors."""

import numpy as np
import pytest

from pyfastfit.core._c import _C


def test_point_loss_shapes():
    t = _C.from_numpy(np.zeros((2, 3, 4), np.float32))
    p = _C.from_numpy(np.ones((2, 3, 4), np.float32))
    out = _C.point_loss_forward("mse", t, p)
    assert tuple(out.shape) == (2, 3)
    np.testing.assert_allclose(np.asarray(out), 1.0)
    s = _C.point_loss_reduced_forward("mae", t, p, None, 0.0, 0.5)
    assert tuple(s.shape) == () and float(np.asarray(s)) == 3.0


def test_point_loss_large_batch_parallel_sum():
    rng = np.random.default_rng(0)
    t = rng.normal(size=(40000, 3)).astype(np.float32)
    p = rng.normal(size=(40000, 3)).astype(np.float32)
    w = rng.uniform(size=40000).astype(np.float32)
    got = float(np.asarray(_C.point_loss_reduced_forward(
        "mse", _C.from_numpy(t), _C.from_numpy(p), _C.from_numpy(w), 0.0, 1 / 40000)))
    want = np.sum(np.mean((t.astype(np.float64) - p) ** 2, -1) * w) / 40000
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_point_loss_errors():
    t = _C.from_numpy(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 3\) but y_pred has shape "
                                         r"\(2, 4\)"):
        _C.point_loss_forward("mse", t, _C.from_numpy(np.zeros((2, 4), np.float32)))
    with pytest.raises(ValueError, match="unknown loss 'nope'"):
        _C.point_loss_forward("nope", t, t)
    with pytest.raises(ValueError, match="weights have 3 elements, expected 2"):
        _C.point_loss_reduced_forward("mse", t, t, _C.from_numpy(np.ones(3, np.float32)),
                                      0.0, 1.0)
