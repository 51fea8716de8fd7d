"""Shape, indexing and creation ops vs NumPy, with finite-difference gradient checks."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import numeric_grad


def grad_check(fn, ref, x, atol=2e-3, rtol=2e-3):
    """Tape gradient of sum(fn(x) * w) vs central differences of the float64 reference."""
    x = np.asarray(x, np.float32)
    num, w = numeric_grad(ref, [x], 0)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = fn(v)
    assert y.shape == np.shape(ref(x.astype(np.float64)))
    g = tape.gradient(y, v, output_gradients=np.asarray(w, np.float32).reshape(y.shape))
    assert g is not None
    np.testing.assert_allclose(np.asarray(g), num, atol=atol, rtol=rtol)


def check(fn, ref, x, grad=True):
    x = np.asarray(x)
    out = fn(x.astype(np.float32) if x.dtype.kind == "f" else x)
    exp = ref(x)
    assert out.shape == np.shape(exp)
    np.testing.assert_allclose(np.asarray(out), exp, rtol=1e-6, atol=1e-7)
    if grad and x.dtype.kind == "f" and x.size:
        grad_check(fn, ref, x)


X = np.random.RandomState(0).standard_normal((3, 4, 5))


# --------------------------------------------------------------------------- reshape family

@pytest.mark.parametrize("shape,new", [((3, 4, 5), (12, 5)), ((3, 4, 5), (-1,)), ((3, 4, 5), (5, -1, 2)),
                                       ((6,), (2, 3)), ((0, 3), (3, 0)), ((0, 3), (-1, 3)),
                                       ((1,), ()), ((), (1, 1))])
def test_reshape(shape, new):
    x = np.random.standard_normal(shape)
    check(lambda t: ops.reshape(t, new), lambda a: np.reshape(a, new), x)


def test_reshape_is_zero_copy():
    t = ops.convert_to_tensor(np.ones((4, 6), np.float32))
    r = ops.reshape(t, (2, 12))
    assert r._c.shares_memory_with(t._c)
    assert ops.ravel(t)._c.shares_memory_with(t._c)


def test_reshape_errors():
    with pytest.raises(ValueError, match=r"Cannot reshape a tensor of shape \(3, 4\)"):
        ops.reshape(np.ones((3, 4)), (5, -1))
    with pytest.raises(ValueError, match="at most one -1"):
        ops.reshape(np.ones((3, 4)), (-1, -1))
    with pytest.raises(ValueError, match=r"into shape \(5, 2\)"):
        ops.reshape(np.ones((3, 4)), (5, 2))


@pytest.mark.parametrize("axis", [0, 1, -1, 3, (0, 2), (-1, 0)])
def test_expand_dims(axis):
    check(lambda t: ops.expand_dims(t, axis), lambda a: np.expand_dims(a, axis), X)


@pytest.mark.parametrize("shape,axis", [((1, 3, 1), None), ((1, 3, 1), 0), ((1, 3, 1), -1),
                                        ((1, 3, 1), (0, 2)), ((1,), None), ((2, 3), None)])
def test_squeeze(shape, axis):
    x = np.random.standard_normal(shape)
    check(lambda t: ops.squeeze(t, axis), lambda a: np.squeeze(a, axis), x)


def test_squeeze_error():
    with pytest.raises(ValueError, match="Cannot squeeze axis 1"):
        ops.squeeze(np.ones((1, 3)), 1)


@pytest.mark.parametrize("axes", [None, (1, 0, 2), (2, 0, 1), (0, 2, 1), (-1, 0, 1)])
def test_transpose(axes):
    check(lambda t: ops.transpose(t, axes), lambda a: np.transpose(a, axes), X)


@pytest.mark.parametrize("shape", [(1, 1), (257, 129), (64, 1000), (1, 5, 1), (0, 4)])
def test_transpose_2d_and_degenerate(shape):
    x = np.random.standard_normal(shape).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ops.transpose(x)), x.T)
    np.testing.assert_array_equal(np.asarray(ops.convert_to_tensor(x).T), x.T)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool"])
def test_transpose_dtypes(dtype):
    x = (np.random.standard_normal((3, 4, 2)) > 0).astype(dtype)
    out = ops.transpose(x, (2, 0, 1))
    assert out.dtype == dtype
    np.testing.assert_array_equal(np.asarray(out), np.transpose(x, (2, 0, 1)))


def test_transpose_errors():
    with pytest.raises(ValueError, match="permutation"):
        ops.transpose(np.ones((2, 3)), (0, 0))
    with pytest.raises(ValueError, match="axes 2 is out of bounds for a tensor of rank 2"):
        ops.transpose(np.ones((2, 3)), (0, 2))


def test_moveaxis_swapaxes():
    check(lambda t: ops.moveaxis(t, 0, -1), lambda a: np.moveaxis(a, 0, -1), X)
    check(lambda t: ops.moveaxis(t, (0, 1), (2, 0)), lambda a: np.moveaxis(a, (0, 1), (2, 0)), X)
    check(lambda t: ops.swapaxes(t, 0, 2), lambda a: np.swapaxes(a, 0, 2), X)


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


# --------------------------------------------------------------------------- join / split

@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis):
    shapes = [list(X.shape) for _ in range(3)]
    for k, s in enumerate(shapes):
        s[axis] = k + 1
    arrs = [np.random.standard_normal(s) for s in shapes]
    out = ops.concatenate([a.astype(np.float32) for a in arrs], axis=axis)
    np.testing.assert_allclose(np.asarray(out), np.concatenate(arrs, axis=axis), rtol=1e-6)
    for i in range(3):
        def fn(t, i=i):
            parts = [a.astype(np.float32) for a in arrs]
            parts[i] = t
            return ops.concatenate(parts, axis=axis)

        def ref(a, i=i):
            parts = list(arrs)
            parts[i] = a
            return np.concatenate(parts, axis=axis)

        grad_check(fn, ref, arrs[i])


def test_concatenate_empty_part_and_mixed_dtypes():
    a = np.ones((2, 0), np.float32)
    b = np.arange(4, dtype=np.int32).reshape(2, 2)
    out = ops.concatenate([a, b], axis=1)
    assert out.dtype == "float32" and out.shape == (2, 2)
    assert ops.concatenate([b, b], axis=0).dtype == "int32"


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"tensor 1 has shape \(3, 3\)"):
        ops.concatenate([np.ones((2, 3)), np.ones((3, 3))], axis=1)
    with pytest.raises(ValueError, match="axis 2 is out of bounds for a tensor of rank 2"):
        ops.concatenate([np.ones((2, 3))], axis=2)


@pytest.mark.parametrize("axis", [0, 1, 3, -1])
def test_stack(axis):
    arrs = [np.random.standard_normal(X.shape) for _ in range(2)]
    out = ops.stack([a.astype(np.float32) for a in arrs], axis=axis)
    np.testing.assert_allclose(np.asarray(out), np.stack(arrs, axis=axis), rtol=1e-6)
    grad_check(lambda t: ops.stack([t, arrs[1].astype(np.float32)], axis=axis),
               lambda a: np.stack([a, arrs[1]], axis=axis), arrs[0])


def test_split():
    parts = ops.split(X.astype(np.float32), 2, axis=1)
    for p, e in zip(parts, np.split(X, 2, axis=1)):
        np.testing.assert_allclose(np.asarray(p), e, rtol=1e-6)
    parts = ops.split(X.astype(np.float32), [1, 4], axis=-1)
    for p, e in zip(parts, np.split(X, [1, 4], axis=-1)):
        np.testing.assert_allclose(np.asarray(p), e, rtol=1e-6)
    grad_check(lambda t: ops.split(t, [1, 4], axis=-1)[1], lambda a: np.split(a, [1, 4], axis=-1)[1], X)
    with pytest.raises(ValueError, match="3 equal sections"):
        ops.split(X, 3, axis=1)


# --------------------------------------------------------------------------- broadcast & co

@pytest.mark.parametrize("shape,target", [((3,), (2, 3)), ((2, 1), (2, 4)), ((1, 1), (3, 2)),
                                          ((), (2, 2)), ((3, 1, 2), (4, 3, 5, 2))])
def test_broadcast_to(shape, target):
    x = np.random.standard_normal(shape)
    check(lambda t: ops.broadcast_to(t, target), lambda a: np.broadcast_to(a, target), x)


def test_broadcast_error():
    with pytest.raises(ValueError, match=r"Cannot broadcast a tensor of shape \(3,\) to shape \(4,\)"):
        ops.broadcast_to(np.ones(3), (4,))


@pytest.mark.parametrize("reps", [2, (2, 1), (1, 3), (2, 1, 2)])
def test_tile(reps):
    x = np.random.standard_normal((2, 3))
    check(lambda t: ops.tile(t, reps), lambda a: np.tile(a, reps), x)


@pytest.mark.parametrize("repeats,axis", [(2, None), (3, 0), (2, 1), ([1, 0, 2], 1)])
def test_repeat(repeats, axis):
    x = np.random.standard_normal((2, 3))
    check(lambda t: ops.repeat(t, repeats, axis), lambda a: np.repeat(a, repeats, axis), x)


@pytest.mark.parametrize("pw", [1, ((1, 2), (0, 3)), ((0, 0), (2, 0))])
def test_pad(pw):
    x = np.random.standard_normal((2, 3))
    check(lambda t: ops.pad(t, pw, constant_values=1.5),
          lambda a: np.pad(a, pw, constant_values=1.5), x)


def test_pad_errors():
    with pytest.raises(ValueError, match="mode='constant'"):
        ops.pad(np.ones(2), 1, mode="reflect")
    with pytest.raises(ValueError, match="non-negative"):
        ops.pad(np.ones(2), -1)


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


def test_unstack_roll():
    parts = ops.unstack(X.astype(np.float32), axis=1)
    assert len(parts) == 4
    np.testing.assert_allclose(np.asarray(parts[2]), X[:, 2].astype(np.float32))
    for shift, axis in ((1, None), (-2, 1), ((1, 2), (0, 2))):
        check(lambda t: ops.roll(t, shift, axis), lambda a: np.roll(a, shift, axis), X)


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


def test_matrix_helpers():
    x = np.random.standard_normal((3, 4))
    check(lambda t: ops.tril(t, -1), lambda a: np.tril(a, -1), x)
    check(lambda t: ops.triu(t, 1), lambda a: np.triu(a, 1), x)
    for off in (-1, 0, 2):
        check(lambda t: ops.diagonal(t, off), lambda a: np.diagonal(a, off).copy(), x)
    y = np.random.standard_normal((2, 3, 3))
    check(lambda t: ops.diagonal(t, 0, 1, 2), lambda a: np.diagonal(a, 0, 1, 2).copy(), y)
    check(lambda t: ops.trace(t, 0, 1, 2), lambda a: np.trace(a, 0, 1, 2), y)
    check(lambda t: ops.diag(t, -1), lambda a: np.diag(a, -1), np.random.standard_normal(3))
    check(lambda t: ops.vstack([t, t]), lambda a: np.vstack([a, a]), np.random.standard_normal(3))
    check(lambda t: ops.hstack([t, t]), lambda a: np.hstack([a, a]), x)
    gx, gy = ops.meshgrid(np.arange(3.0), np.arange(4.0))
    ex, ey = np.meshgrid(np.arange(3.0), np.arange(4.0))
    np.testing.assert_array_equal(np.asarray(gx), ex)
    np.testing.assert_array_equal(np.asarray(gy), ey)
    gi = ops.meshgrid(np.arange(3.0), np.arange(4.0), indexing="ij")
    np.testing.assert_array_equal(np.asarray(gi[1]), np.meshgrid(np.arange(3.0), np.arange(4.0), indexing="ij")[1])
    nz = ops.nonzero(np.array([[0, 1], [2, 0]]))
    assert [t.tolist() for t in nz] == [[0, 1], [1, 0]]
    assert ops.bincount(np.array([0, 1, 1, 3]), minlength=5).tolist() == [1, 2, 0, 1, 0]
    np.testing.assert_allclose(np.asarray(ops.bincount(np.array([0, 1, 1]), weights=np.array([0.5, 1.0, 2.0]))),
                               [0.5, 3.0])


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


def test_variable_results_are_snapshots():
    v = ff.Variable(np.zeros((2, 3), np.float32))
    r, row = ops.reshape(v, (3, 2)), v[0]
    v.assign(np.ones((2, 3), np.float32))
    assert np.asarray(r).sum() == 0 and np.asarray(row).sum() == 0
