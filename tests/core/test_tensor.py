"""Tensor: conversion rules (zero-copy where possible), NumPy interop, Python protocol."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops


def test_c_contiguous_float32_is_zero_copy():
    arr = np.random.rand(4, 5).astype(np.float32)
    t = ff.Tensor(arr)
    assert t._c.data_ptr() == arr.ctypes.data
    assert ops.convert_to_tensor(arr)._c.data_ptr() == arr.ctypes.data
    assert t.shape == (4, 5) and t.dtype == "float32" and t.ndim == 2 and t.size == 20


@pytest.mark.parametrize("dtype", ["float32", "int32", "int64", "uint8", "bool"])
def test_supported_dtypes_are_zero_copy(dtype):
    arr = (np.arange(6) % 2).astype(dtype).reshape(2, 3)
    t = ff.Tensor(arr)
    assert t.dtype == dtype
    assert t._c.data_ptr() == arr.ctypes.data
    np.testing.assert_array_equal(t.numpy(), arr)


@pytest.mark.parametrize("src,expected", [
    ("float64", "float32"), ("float16", "float32"), ("int8", "int32"), ("int16", "int32"),
    ("uint16", "int32"), ("uint32", "int64"), ("uint64", "int64"),
])
def test_dtype_conversion_rules(src, expected):
    arr = np.arange(6).astype(src)
    t = ff.Tensor(arr)
    assert t.dtype == expected
    np.testing.assert_array_equal(t.numpy(), arr.astype(expected))


def test_python_values():
    assert ff.Tensor(1.5).dtype == "float32" and ff.Tensor(1.5).shape == ()
    assert ff.Tensor([1.0, 2.0]).dtype == "float32"
    assert ff.Tensor([1, 2]).dtype == "int64"
    assert ff.Tensor(True).dtype == "bool"
    assert ff.Tensor([[1.0], [2.0]], dtype="float32").shape == (2, 1)
    assert ff.Tensor([1, 2], dtype="float64").dtype == "float32"


def test_non_contiguous_is_copied_with_the_right_values():
    base = np.random.rand(4, 6).astype(np.float32)
    view = base[:, ::2]
    t = ff.Tensor(view)
    assert t._c.data_ptr() != view.ctypes.data
    np.testing.assert_array_equal(t.numpy(), view)
    tt = ff.Tensor(base.T)
    np.testing.assert_array_equal(tt.numpy(), base.T)


def test_unsupported_values_raise_type_error():
    with pytest.raises(TypeError, match="dtype object"):
        ff.Tensor(np.array([1, None], dtype=object))
    with pytest.raises(ValueError, match="non-rectangular list"):
        ff.Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="<U1"):
        ff.Tensor(["a"])
    with pytest.raises(ValueError, match="Unsupported dtype"):
        ff.Tensor([1.0], dtype="complex64")


def test_numpy_interop_is_zero_copy():
    t = ops.add(np.ones((2, 3), "float32"), 1.0)
    a = np.asarray(t)
    assert a.ctypes.data == t._c.data_ptr()
    assert a.dtype == np.float32 and a.shape == (2, 3)
    n = t.numpy()
    assert n.ctypes.data == t._c.data_ptr()
    assert not n.flags.writeable
    np.testing.assert_array_equal(np.asarray(t, dtype=np.float64), np.full((2, 3), 2.0))
    assert np.array(t, copy=True).ctypes.data != t._c.data_ptr()
    assert ops.convert_to_numpy(t).ctypes.data != t._c.data_ptr()


def test_tensor_outlives_numpy_source():
    arr = np.arange(5, dtype=np.float32)
    t = ff.Tensor(arr)
    del arr
    np.testing.assert_array_equal(t.numpy(), np.arange(5))


def test_scalar_conversions():
    assert float(ff.Tensor(2.5)) == 2.5
    assert float(ff.Tensor([[2.5]])) == 2.5
    assert int(ff.Tensor(np.int32(7))) == 7
    assert bool(ff.Tensor(0.0)) is False and bool(ff.Tensor([1.0])) is True
    assert ff.Tensor(3.0).item() == 3.0 and isinstance(ff.Tensor(3.0).item(), float)
    assert [1, 2] == ff.Tensor(np.array([1, 2], "int32")).tolist()
    assert list(range(5))[ff.Tensor(np.int64(2))] == 2
    with pytest.raises(TypeError, match=r"one element.*shape=\(2,\)"):
        float(ff.Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match="integer tensors"):
        list(range(5))[ff.Tensor(2.0)]


def test_len_and_iteration():
    arr = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = ff.Tensor(arr)
    assert len(t) == 3
    rows = list(t)
    assert len(rows) == 3 and all(isinstance(r, ff.Tensor) for r in rows)
    np.testing.assert_array_equal(np.asarray(rows[1]), arr[1])
    with pytest.raises(TypeError, match="0-d"):
        len(ff.Tensor(1.0))
    with pytest.raises(TypeError, match="0-d"):
        iter(ff.Tensor(1.0)).__next__()
    assert len(ff.Tensor(np.zeros((0, 2), "float32"))) == 0


def test_repr():
    r = repr(ff.Tensor(np.array([1.0, 2.0], "float32")))
    assert r.startswith("<Tensor shape=(2,), dtype=float32, numpy=")
    assert "array([1., 2.], dtype=float32)" in r


def test_empty_and_zero_d_shapes():
    t = ff.Tensor(np.zeros((0, 3), "float32"))
    assert t.shape == (0, 3) and t.size == 0
    assert ff.Tensor(np.float32(1.0)).shape == ()
    assert np.asarray(ff.Tensor(np.zeros((2, 0, 3), "int64"))).shape == (2, 0, 3)


def test_tensor_is_hashable_by_identity():
    a, b = ff.Tensor([1.0]), ff.Tensor([1.0])
    assert len({a, b}) == 2
    d = {a: 1}
    assert d[a] == 1


def test_device():
    assert ff.Tensor([1.0]).device == "cpu"


def test_pickle_and_deepcopy():
    import copy
    import pickle

    t = ff.Tensor(np.array([[1.0, 2.0]], np.float32))
    for u in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert isinstance(u, ff.Tensor) and u.dtype == "float32"
        assert u._c.data_ptr() != t._c.data_ptr()
        np.testing.assert_array_equal(u.numpy(), t.numpy())
    i = ff.Tensor(np.array([1, 2], np.int64))
    assert pickle.loads(pickle.dumps(i)).dtype == "int64"
