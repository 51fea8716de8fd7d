"""Variable: in-place updates, shape checks, trainable flag, name."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops


def test_variable_owns_a_copy():
    arr = np.ones((2, 3), np.float32)
    v = ff.Variable(arr)
    assert v._c.data_ptr() != arr.ctypes.data
    arr[:] = 5.0
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    assert v.shape == (2, 3) and v.dtype == "float32"


def test_assign_is_in_place():
    v = ff.Variable(np.zeros((2, 2), np.float32))
    ptr = v._c.data_ptr()
    held = v.value
    assert v.assign(np.full((2, 2), 3.0)) is v
    assert v._c.data_ptr() == ptr
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 3.0))
    np.testing.assert_array_equal(np.asarray(held), np.full((2, 2), 3.0))
    v.assign_add(np.ones((2, 2), np.float32))
    v.assign_sub(ff.Tensor(np.full((2, 2), 0.5, np.float32)))
    assert v._c.data_ptr() == ptr
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 3.5))
    v.assign(ops.multiply(v, 2.0))
    assert v._c.data_ptr() == ptr
    np.testing.assert_array_equal(v.numpy(), np.full((2, 2), 7.0))


def test_assign_converts_dtype():
    v = ff.Variable(np.zeros(3, np.float32))
    v.assign(np.array([1, 2, 3], np.int64))
    assert v.dtype == "float32"
    np.testing.assert_array_equal(v.numpy(), [1, 2, 3])
    i = ff.Variable(np.zeros(2, np.int32))
    i.assign_add([1, 2])
    assert i.dtype == "int32"
    np.testing.assert_array_equal(i.numpy(), [1, 2])


@pytest.mark.parametrize("method", ["assign", "assign_add", "assign_sub"])
def test_shape_mismatch_raises(method):
    v = ff.Variable(np.zeros((2, 3), np.float32), name="kernel")
    with pytest.raises(ValueError, match=r"variable 'kernel' of shape \(2, 3\)"):
        getattr(v, method)(np.zeros((3, 2), np.float32))


def test_numpy_returns_a_copy():
    v = ff.Variable(np.zeros(2, np.float32))
    n = v.numpy()
    n[:] = 4.0
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])


def test_trainable_and_name():
    v = ff.Variable(np.zeros(2, np.float32))
    assert v.trainable is True and v.name == "variable"
    w = ff.Variable(np.zeros(2, np.float32), trainable=False, name="moving_mean")
    assert w.trainable is False and w.name == "moving_mean"
    w.trainable = True
    assert w.trainable
    assert "moving_mean" in repr(w) and repr(w).startswith("<Variable")


def test_callable_initializer_and_shape_checks():
    v = ff.Variable(lambda shape, dtype: np.ones(shape, dtype), shape=(2, 3))
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    with pytest.raises(ValueError, match="needs `shape`"):
        ff.Variable(lambda shape, dtype: np.ones(shape, dtype))
    with pytest.raises(ValueError, match=r"expected shape \(3,\)"):
        ff.Variable(np.zeros(2, np.float32), shape=(3,))
    with pytest.raises(ValueError, match="initializer=None"):
        ff.Variable()
    v = ff.Variable(initial_value=np.zeros(2, np.float32))
    assert v.shape == (2,)


def test_variable_in_ops_and_operators():
    v = ff.Variable(np.array([1.0, 2.0], np.float32))
    out = v + 1.0
    assert isinstance(out, ff.Tensor) and not isinstance(out, ff.Variable)
    np.testing.assert_array_equal(np.asarray(out), [2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(ops.multiply(v, v)), [1.0, 4.0])
    assert float(ff.Variable(np.float32(2.0))) == 2.0
    assert np.asarray(v).ctypes.data == v._c.data_ptr()


def test_pickle_and_deepcopy():
    import copy
    import pickle

    v = ff.Variable(np.array([1.0, 2.0], np.float32), trainable=False, name="w")
    for u in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
        assert isinstance(u, ff.Variable)
        assert u.name == "w" and u.trainable is False and u.path == v.path
        assert u._c.data_ptr() != v._c.data_ptr()
        np.testing.assert_array_equal(u.numpy(), [1.0, 2.0])
        u.assign([3.0, 4.0])
        np.testing.assert_array_equal(v.numpy(), [1.0, 2.0])
    d = copy.deepcopy({"a": v, "b": v})
    assert d["a"] is d["b"]


def test_assign_add_and_sub_broadcast_a_scalar_or_row():
    v = ff.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    ptr = v._c.data_ptr()
    v.assign_add(1.5)  # a Python scalar: 0-d, broadcast as Keras's `v + value`
    v.assign_sub(ff.Tensor(np.array([1.0, 2.0, 3.0], np.float32)))  # a row
    v.assign_add(np.array([[10.0], [20.0]], np.float32))  # a column
    expect = np.arange(6, dtype=np.float32).reshape(2, 3) + 1.5 - [1, 2, 3] + [[10], [20]]
    np.testing.assert_array_equal(v.numpy(), expect)
    assert v._c.data_ptr() == ptr


@pytest.mark.parametrize("method", ["assign_add", "assign_sub"])
def test_assign_add_refuses_a_value_that_would_grow_the_variable(method):
    v = ff.Variable(np.zeros((3,), np.float32), name="bias")
    with pytest.raises(ValueError, match=r"value of shape \(2, 3\) to variable 'bias'"):
        getattr(v, method)(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match=r"value of shape \(2,\) to variable 'bias'"):
        getattr(v, method)(np.zeros((2,), np.float32))
    np.testing.assert_array_equal(v.numpy(), np.zeros(3))


def test_assign_of_a_scalar_to_a_vector_raises_as_keras():
    v = ff.Variable(np.zeros((3,), np.float32), name="bias")
    with pytest.raises(ValueError, match=r"Cannot assign a value of shape \(\)"):
        v.assign(1.0)


def test_assign_converts_a_tensor_of_another_dtype_in_cpp():
    v = ff.Variable(np.zeros(3, np.float32))
    v.assign(ff.Tensor(np.array([1, -2, 3], np.int64)))
    np.testing.assert_array_equal(v.numpy(), [1.0, -2.0, 3.0])
    i = ff.Variable(np.array([5, 5], np.int32))
    i.assign_sub(ff.Tensor(np.array([1.9, -2.9], np.float32)))  # truncated first, as astype
    np.testing.assert_array_equal(i.numpy(), [4, 7])
    assert i.dtype == "int32"
    f = ff.Variable(np.zeros(2, np.float32))
    f.assign_add(ff.Tensor(np.array([True, False])))
    np.testing.assert_array_equal(f.numpy(), [1.0, 0.0])


def test_assign_nan_inf_and_self_and_empty():
    v = ff.Variable(np.array([1.0, 2.0, 3.0], np.float32))
    v.assign_add(ff.Tensor(np.array([np.nan, np.inf, -np.inf], np.float32)))
    np.testing.assert_array_equal(v.numpy(), [np.nan, np.inf, -np.inf])
    w = ff.Variable(np.array([1.0, 2.0], np.float32))
    w.assign(w)
    w.assign_add(w)  # the value is the variable itself: doubles
    np.testing.assert_array_equal(w.numpy(), [2.0, 4.0])
    w.assign_sub(w.value)
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])
    e = ff.Variable(np.zeros((0, 3), np.float32))
    e.assign_add(1.0)
    e.assign(np.zeros((0, 3), np.float32))
    assert e.shape == (0, 3)


def test_assign_on_bool_and_uint8_variables_follow_numpy():
    b = ff.Variable(np.array([True, False, False]))
    b.assign_add(np.array([False, False, True]))  # NumPy's bool add is a logical or
    np.testing.assert_array_equal(b.numpy(), [True, False, True])
    with pytest.raises(ValueError, match=r"\[assign_sub_\] cannot subtract from a bool"):
        b.assign_sub(np.array([True, True, True]))
    u = ff.Variable(np.array([250, 3], np.uint8))
    u.assign_add(np.array([10, 1], np.uint8))  # wraps around, as NumPy's uint8
    expect = np.array([250, 3], np.uint8) + np.array([10, 1], np.uint8)
    np.testing.assert_array_equal(u.numpy(), expect)
    assert u.dtype == "uint8"
