"""Cast and creation ops: every dtype pair of cast vs NumPy (truncation, gradients) and
zeros/ones/full/arange/eye/linspace with their dtype rules."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops


# --------------------------------------------------------------------------- dtype & creation
@pytest.mark.parametrize("src", ["float32", "int32", "int64", "uint8", "bool"])
@pytest.mark.parametrize("dst", ["float32", "int32", "int64", "uint8", "bool"])
def test_cast(src, dst):
    x = np.array([0, 1, 2, 0, 1], dtype=src)
    if src == "float32":
        x = np.array([0.0, 1.7, -0.0, 2.2, 0.3], np.float32)
        if dst != "bool":
            x = np.abs(x) if dst == "uint8" else x
    out = ops.cast(x, dst)
    assert out.dtype == dst
    np.testing.assert_array_equal(np.asarray(out), x.astype(dst))


def test_cast_truncates_and_gradients():
    assert ops.cast(np.array([1.7, -1.7], np.float32), "int32").tolist() == [1, -1]
    v = ff.Variable(np.array([1.5, 2.5], np.float32))
    with ff.GradientTape() as tape:
        y = ops.cast(v, "float32")
        z = ops.sum(ops.cast(ops.cast(v, "int32"), "float32"))
    assert tape.gradient(z, v) is None
    assert y is v
    assert ops.cast(np.ones(2), np.float64).dtype == "float32"


def test_creation():
    assert ops.zeros((2, 3)).dtype == "float32" and np.asarray(ops.zeros((2, 3))).sum() == 0
    assert ops.ones((2,), "int32").tolist() == [1, 1]
    assert ops.full((2, 2), 7).tolist() == [[7, 7], [7, 7]]
    assert ops.full((2,), 7).dtype == "float32" and ops.full((1,), 7, "int32").dtype == "int32"
    assert ops.full((2,), 0.5).tolist() == [0.5, 0.5]
    x = np.ones((2, 3), np.int64)
    assert ops.zeros_like(x).dtype == "int64" and ops.ones_like(x, "float32").dtype == "float32"
    assert ops.full_like(x, 3).tolist() == [[3, 3, 3]] * 2
    assert ops.full((3,), 2**40, "int64").tolist() == [2**40] * 3
    assert ops.arange(5).tolist() == list(range(5)) and ops.arange(5).dtype == "int32"
    np.testing.assert_allclose(np.asarray(ops.arange(0, 1, 0.25)), [0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(np.asarray(ops.eye(3, 4, 1)), np.eye(3, 4, 1))
    np.testing.assert_allclose(np.asarray(ops.linspace(0, 1, 5)), np.linspace(0, 1, 5))
    assert ops.zeros(()).shape == () and ops.zeros(0).shape == (0,)
