"""Shape ops vs NumPy, with finite-difference gradient checks: reshape, transpose and
friends, concatenate/stack/split, broadcast, tile, repeat, pad, roll and the matrix
helpers. (Indexing, gathers and scatters: test_shape_indexing.py; cast and creation:
test_cast_and_creation.py.)"""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.ops._shape_checks import X, check, grad_check


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


def test_unstack_roll():
    parts = ops.unstack(X.astype(np.float32), axis=1)
    assert len(parts) == 4
    np.testing.assert_allclose(np.asarray(parts[2]), X[:, 2].astype(np.float32))
    for shift, axis in ((1, None), (-2, 1), ((1, 2), (0, 2))):
        check(lambda t: ops.roll(t, shift, axis), lambda a: np.roll(a, shift, axis), X)


def test_variable_results_are_snapshots():
    v = ff.Variable(np.zeros((2, 3), np.float32))
    r, row = ops.reshape(v, (3, 2)), v[0]
    v.assign(np.ones((2, 3), np.float32))
    assert np.asarray(r).sum() == 0 and np.asarray(row).sum() == 0


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


# --------------------------------------------------------------------------- matrix helpers
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
