"""The in-place state updates (`_C.assign_`, `_C.assign_add_`, `_C.assign_sub_`) called
directly: values against NumPy (float64 reference), broadcasting, large tensors (the
threaded walk writes in place), dtype conversion and error messages."""

import numpy as np
import pytest

from pyfastfit.core._c import _C

rng = np.random.default_rng(7)


def _var(a):
    return _C.from_numpy(np.array(a, copy=True))


@pytest.mark.parametrize("dst_shape,src_shape", [
    ((), ()), ((1,), ()), ((5,), (1,)), ((4, 3), (3,)), ((4, 3), (4, 1)),
    ((300, 257), (257,)), ((300, 257), (300, 257)), ((2, 3, 4), (1, 3, 1)),
])
@pytest.mark.parametrize("which", ["assign_add_", "assign_sub_"])
def test_add_sub_match_numpy(dst_shape, src_shape, which):
    d = rng.normal(size=dst_shape).astype(np.float32)
    s = rng.normal(size=src_shape).astype(np.float32)
    dst = _var(d)
    ptr = dst.data_ptr()
    getattr(_C, which)(dst, _C.from_numpy(s))
    sign = 1.0 if which == "assign_add_" else -1.0
    ref = d.astype(np.float64) + sign * s.astype(np.float64)
    np.testing.assert_allclose(np.asarray(dst), ref, rtol=1e-6, atol=1e-6)
    assert dst.data_ptr() == ptr


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
def test_integer_variables(dtype):
    d = rng.integers(0, 100, size=(7, 5)).astype(dtype)
    s = rng.integers(0, 100, size=(5,)).astype(dtype)
    dst = _var(d)
    _C.assign_add_(dst, _C.from_numpy(s))
    np.testing.assert_array_equal(np.asarray(dst), d + s)
    _C.assign_sub_(dst, _C.from_numpy(s))
    np.testing.assert_array_equal(np.asarray(dst), d)


def test_assign_copies_and_converts():
    d = np.zeros((3, 2), np.float32)
    dst = _var(d)
    src = rng.normal(size=(3, 2)).astype(np.float32)
    _C.assign_(dst, _C.from_numpy(src))
    np.testing.assert_array_equal(np.asarray(dst), src)
    src[:] = 0  # a copy, not a view of the source
    assert np.asarray(dst).any()
    _C.assign_(dst, _C.from_numpy(np.array([[1, 2], [3, 4], [5, 6]], np.int64)))
    np.testing.assert_array_equal(np.asarray(dst), [[1, 2], [3, 4], [5, 6]])
    i = _var(np.zeros(3, np.int32))
    _C.assign_(i, _C.from_numpy(np.array([1.7, -1.7, 0.2], np.float32)))
    np.testing.assert_array_equal(np.asarray(i), np.array([1.7, -1.7, 0.2]).astype(np.int32))
    b = _var(np.zeros(3, bool))
    _C.assign_(b, _C.from_numpy(np.array([0.0, 2.0, np.nan], np.float32)))
    np.testing.assert_array_equal(np.asarray(b), [False, True, True])


def test_assign_from_a_reshaped_view_of_itself():
    dst = _var(np.arange(4, dtype=np.float32))
    _C.assign_(dst, dst.reshape((4,)))
    np.testing.assert_array_equal(np.asarray(dst), np.arange(4))


def test_errors_name_the_op_and_shapes():
    dst = _var(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"\[assign_\] a value of shape \(3,\) cannot be "
                                         r"assigned to a variable of shape \(2, 3\)\."):
        _C.assign_(dst, _C.from_numpy(np.zeros(3, np.float32)))
    with pytest.raises(ValueError, match=r"\[assign_add_\] a value of shape \(2, 1, 3\) does "
                                         r"not broadcast to the variable's shape \(2, 3\)\."):
        _C.assign_add_(dst, _C.from_numpy(np.zeros((2, 1, 3), np.float32)))
    with pytest.raises(ValueError, match=r"\[assign_sub_\] a value of shape \(2,\)"):
        _C.assign_sub_(dst, _C.from_numpy(np.zeros(2, np.float32)))
    np.testing.assert_array_equal(np.asarray(dst), np.zeros((2, 3)))
