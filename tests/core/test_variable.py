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
