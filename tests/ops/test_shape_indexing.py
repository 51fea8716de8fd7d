"""Indexing ops vs NumPy, with finite-difference gradient checks: basic and advanced
__getitem__, views, take/take_along_axis, slice and scatter updates, segment sums,
one_hot, top_k and sorting."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.ops._shape_checks import X, check


# --------------------------------------------------------------------------- indexing
BASIC_KEYS = [
    0, -1, (slice(None), 1), (slice(None), slice(1, 3)), (Ellipsis, None), (None, 0),
    (slice(None, None, -1),), (slice(None), slice(None, None, -2), slice(4, 0, -3)),
    (1, Ellipsis, 2), (slice(5, 1),), (slice(None), slice(None), slice(None)), (Ellipsis,),
    (slice(-2, None), None, slice(None, 2)), (2, 3, 4),
]


@pytest.mark.parametrize("key", BASIC_KEYS, ids=str)
def test_getitem_basic(key):
    check(lambda t: ops.convert_to_tensor(t)[key] if not isinstance(t, ff.Variable) else t[key],
          lambda a: a[key], X)


ADV_KEYS = [
    [0, 2], np.array([[1, 0], [2, 2]]), (slice(None), [3, 0, 3]), (Ellipsis, [-1, 0]),
    (slice(None), np.array([1, 1]), slice(1, 3)), ([0, 1], [1, 2]), ([0, 2], slice(None), [4, 0]),
    (slice(None), [1, 3], 2), (0, [1, 2]), np.array([True, False, True]),
    (slice(None), np.array([True, False, True, True])),
]


@pytest.mark.parametrize("key", ADV_KEYS, ids=str)
def test_getitem_advanced(key):
    check(lambda t: t[key] if isinstance(t, ff.Variable) else ops.convert_to_tensor(t)[key],
          lambda a: a[key], X)


def test_getitem_bool_mask_and_tensor_index():
    x = np.random.standard_normal((4, 3))
    mask = x > 0
    check(lambda t: ops.convert_to_tensor(t)[ops.convert_to_tensor(mask)], lambda a: a[mask], x,
          grad=False)
    check(lambda t: t[mask] if isinstance(t, ff.Variable) else ops.convert_to_tensor(t)[mask],
          lambda a: a[mask], x)
    idx = ops.convert_to_tensor(np.array([3, 0], np.int32))
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(x)[idx]), x[[3, 0]].astype(np.float32))


def test_getitem_repeated_indices_accumulate_gradient():
    v = ff.Variable(np.arange(3, dtype=np.float32))
    with ff.GradientTape() as tape:
        y = v[[0, 0, 2, 0]]
    g = tape.gradient(y, v, output_gradients=np.ones(4, np.float32))
    np.testing.assert_array_equal(np.asarray(g), [3, 0, 1])


def test_getitem_errors():
    t = ops.convert_to_tensor(np.ones((2, 3)))
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        t[0, 3]
    with pytest.raises(IndexError, match="too many indices"):
        t[0, 0, 0]
    with pytest.raises(ValueError, match="out of bounds"):
        t[[5]]


def test_iteration_and_int_dtype_indexing():
    t = ops.convert_to_tensor(np.arange(6, dtype=np.int32).reshape(2, 3))
    rows = list(t)
    assert rows[1].tolist() == [3, 4, 5] and rows[1].dtype == "int32"
    assert t[1, ::-1].tolist() == [5, 4, 3]


def test_slice_and_flip():
    check(lambda t: ops.slice(t, (1, 0, 2), (2, 4, 3)), lambda a: a[1:3, :, 2:5], X)
    for axis in (None, 0, (1, 2), -1):
        check(lambda t: ops.flip(t, axis), lambda a: np.flip(a, axis), X)


def test_contiguous_slices_are_views():
    t = ops.convert_to_tensor(np.arange(24, dtype=np.float32).reshape(4, 3, 2))
    for key in (1, builtins_slice(1, 3), (2, 1), (2, builtins_slice(0, 2)), (3, 2, 1)):
        y = t[key]
        assert y._c.shares_memory_with(t._c), key
        np.testing.assert_array_equal(np.asarray(y), np.asarray(t)[key])
    assert not t[:, 1]._c.shares_memory_with(t._c)
    assert t[1:1].shape == (0, 3, 2)
    assert t[[]].shape == (0, 3, 2) and t[True].shape == (1, 4, 3, 2)


builtins_slice = slice


@pytest.mark.parametrize("seed", range(40))
def test_random_transpose_and_slices(seed):
    rng = np.random.default_rng(seed)
    nd = int(rng.integers(1, 5))
    shape = tuple(int(rng.choice([0, 1, 2, 3, 7])) for _ in range(nd))
    x = rng.standard_normal(shape).astype(np.float32)
    perm = tuple(int(p) for p in rng.permutation(nd))
    np.testing.assert_array_equal(np.asarray(ops.transpose(x, perm)), np.transpose(x, perm))
    key = []
    for n in shape:
        r = rng.random()
        if r < 0.2 and n > 0:
            key.append(int(rng.integers(-n, n)))
        elif r < 0.3:
            key += [None, slice(None)]
        else:
            a, b = (int(v) for v in rng.integers(-n - 2, n + 3, size=2))
            step = int(rng.choice([1, 2, -1, -3]))
            key.append(slice(a, b, step))
    key = tuple(key)
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(x)[key]), x[key])


# --------------------------------------------------------------------------- gathers
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_take(axis):
    idx = np.array([[0, -1], [1, 1]])
    check(lambda t: ops.take(t, idx, axis=axis), lambda a: np.take(a, idx, axis=axis), X)


def test_take_int_data_and_errors():
    x = np.arange(6, dtype=np.int64).reshape(2, 3)
    out = ops.take(x, np.array([2, 0], np.int32), axis=1)
    assert out.dtype == "int64" and out.tolist() == [[2, 0], [5, 3]]
    with pytest.raises(ValueError, match="index 3 is out of bounds for an axis of size 3"):
        ops.take(x, [3], axis=1)
    with pytest.raises(TypeError, match="indices must be integers"):
        ops.take(x, [0.5], axis=1)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_take_along_axis(axis):
    shape = list(X.shape)
    shape[axis] = 2
    idx = np.random.randint(0, X.shape[axis], shape)
    check(lambda t: ops.take_along_axis(t, idx, axis=axis),
          lambda a: np.take_along_axis(a, idx, axis=axis), X)


def test_take_along_axis_broadcasts():
    x = np.random.standard_normal((3, 4))
    idx = np.array([[0, 3]])
    check(lambda t: ops.take_along_axis(t, idx, axis=1),
          lambda a: np.take_along_axis(a, np.broadcast_to(idx, (3, 2)), axis=1), x)


# --------------------------------------------------------------------------- updates & scatters
def test_slice_update():
    x = np.random.standard_normal((3, 4))
    u = np.random.standard_normal((2, 2))

    def ref(a, b):
        a = a.copy()
        a[1:3, 1:3] = b
        return a

    check(lambda t: ops.slice_update(t, (1, 1), u.astype(np.float32)), lambda a: ref(a, u), x)
    check(lambda t: ops.slice_update(x.astype(np.float32), (1, 1), t), lambda b: ref(x, b), u)
    with pytest.raises(ValueError, match="do not fit dimension 1"):
        ops.slice_update(x, (0, 3), u)


def test_scatter_and_segment_sum():
    idx = np.array([[0, 1], [2, 0], [0, 1]])
    vals = np.random.standard_normal(3)

    def ref(v):
        out = np.zeros((3, 2))
        np.add.at(out, (idx[:, 0], idx[:, 1]), v)
        return out

    check(lambda t: ops.scatter(idx, t, (3, 2)), ref, vals)
    data = np.random.standard_normal((4, 3))
    ids = np.array([1, 0, 1, 3])

    def seg(d):
        out = np.zeros((4, 3))
        np.add.at(out, ids, d)
        return out

    check(lambda t: ops.segment_sum(t, ids, 4), seg, data)


def test_scatter_update():
    x = np.random.standard_normal((4, 2))
    u = np.random.standard_normal((2, 2))

    def ref(a):
        a = a.copy()
        a[[3, 1]] = u
        return a

    check(lambda t: ops.scatter_update(t, [[3], [1]], u.astype(np.float32)), ref, x)


# --------------------------------------------------------------------------- labels & sorting
@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_one_hot(axis):
    labels = np.array([[0, 2, 5], [-1, 1, 3]])
    out = ops.one_hot(labels, 4, axis=axis)
    exp = (labels[..., None] == np.arange(4)).astype(np.float32)
    exp = np.moveaxis(exp, -1, axis)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(out), exp)
    assert ops.one_hot(np.array([1]), 3, dtype="int32").tolist() == [[0, 1, 0]]


def test_top_k():
    x = np.array([[1.0, 5.0, 3.0, 5.0], [0.0, -1.0, 2.0, 1.0]], np.float32)
    v, i = ops.top_k(x, 2)
    assert i.dtype == "int32"
    assert v.tolist() == [[5.0, 5.0], [2.0, 1.0]] and i.tolist() == [[1, 3], [2, 3]]
    v, i = ops.top_k(x, 3, sorted=False)
    assert i.tolist() == [[1, 2, 3], [0, 2, 3]]
    y = np.random.standard_normal((3, 6))
    check(lambda t: ops.top_k(t, 3)[0], lambda a: -np.sort(-a, axis=-1)[:, :3], y)
    vi, ii = ops.top_k(np.array([[3, 1, 2]], np.int32), 2)
    assert vi.dtype == "int32" and vi.tolist() == [[3, 2]] and ii.tolist() == [[0, 2]]
    with pytest.raises(ValueError, match="k must be in"):
        ops.top_k(x, 5)


@pytest.mark.parametrize("axis", [0, -1])
def test_sort_argsort(axis):
    x = np.random.standard_normal((4, 5))
    check(lambda t: ops.sort(t, axis=axis), lambda a: np.sort(a, axis=axis), x)
    out = ops.argsort(x.astype(np.float32), axis=axis)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(out), np.argsort(x.astype(np.float32), axis=axis,
                                                              kind="stable"))
    s = ops.sort(np.array([3, np.nan, 1.0]))
    assert np.isnan(np.asarray(s)[-1])
