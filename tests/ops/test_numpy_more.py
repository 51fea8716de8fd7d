"""Index/set/bin ops (ops/_numpy_index.py) and array builders (ops/_numpy_array.py):
gradients of the differentiable ones by finite differences, NumPy options, corners and
errors. Plain values vs NumPy for every name are in test_keras_ops_names.py."""

import numpy as np
import pytest

from pyfastfit import ops
from tests.helpers import check_op

rng = np.random.default_rng(2)
X = rng.standard_normal((3, 4)).astype(np.float32)
Y = rng.standard_normal((3, 4)).astype(np.float32)


@pytest.mark.parametrize("name,fn,ref,args", [
    ("kron", ops.kron, np.kron, [X[:2, :3], Y[:2, :2]]),
    ("kron_1d_2d", ops.kron, np.kron, [X[0], Y[:2, :2]]),
    ("cross3", ops.cross, np.cross, [X[:, :3], Y[:, :3]]),
    ("cross2", ops.cross, lambda a, b: a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0],
     [X[:, :2], Y[:, :2]]),
    ("cross_axis0", lambda a, b: ops.cross(a, b, axis=0),
     lambda a, b: np.cross(a, b, axis=0), [X[:, :2], Y[:, :2]]),
    ("select", lambda a, b: ops.select([a > 0, b > 0], [a, b], 0.5),
     lambda a, b: np.select([a > 0, b > 0], [a, b], 0.5), [X, Y]),
    ("vander", lambda a: ops.vander(a, 4, increasing=True),
     lambda a: np.vander(a, 4, increasing=True), [X[0]]),
    ("corrcoef", ops.corrcoef, np.corrcoef, [X]),
    ("ldexp", lambda a: ops.ldexp(a, np.array([1, -2, 3, 0], np.int32)),
     lambda a: np.ldexp(a, np.array([1, -2, 3, 0])), [X]),
    ("dstack", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]), [X, Y]),
], ids=lambda v: v if isinstance(v, str) else "")
def test_array_builders_values_and_gradients(name, fn, ref, args):
    check_op(fn, ref, args, atol=1e-4, rtol=1e-4)


def test_unique_options_and_size():
    x = np.array([3, 1, 3, 2, 1, 3], np.int32)
    vals, idx, inv, counts = ops.unique(x, return_index=True, return_inverse=True,
                                        return_counts=True)
    want = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    for g, w in zip((vals, idx, inv, counts), want):
        np.testing.assert_array_equal(g.numpy(), w)
    padded, counts = ops.unique(x, return_counts=True, size=5, fill_value=-1)
    assert padded.numpy().tolist() == [1, 2, 3, -1, -1] and counts.numpy().tolist() == [2, 1, 3, 0, 0]
    assert ops.unique(x, size=2).numpy().tolist() == [1, 2]
    assert ops.unique(x, size=4).numpy().tolist() == [1, 2, 3, 1]  # default fill: the min
    assert ops.unique(np.zeros(0, np.float32)).shape == (0,)


def test_index_ops_corners():
    seq = np.array([1.0, 2.0, 2.0, 3.0], np.float32)
    assert ops.searchsorted(seq, np.float32(2.0), side="right").numpy() == 3
    assert ops.searchsorted(seq, np.array([0.0, 2.0]), side="left").numpy().tolist() == [0, 1]
    assert ops.isin(np.array([1, 5]), np.array([5]), invert=True).numpy().tolist() == [True, False]
    assert ops.nanargmax(np.array([np.nan, 1.0, 3.0], np.float32)).numpy() == 2
    assert ops.nanargmin(np.array([[np.nan, 1.0], [0.5, np.nan]], np.float32),
                         axis=1, keepdims=True).shape == (2, 1)
    counts, edges = ops.histogram(np.array([0.0, 1.0, 1.0, 4.0]), bins=2, range=(0, 4))
    assert counts.numpy().tolist() == [3.0, 1.0] and edges.numpy().tolist() == [0, 2, 4]
    assert ops.hanning(1).numpy().tolist() == [1.0] and ops.hamming(0).shape == (0,)
    assert ops.saturate_cast(np.array([300, -5], np.int32), "uint8").numpy().tolist() == [255, 0]
    big = ops.saturate_cast(np.array([1e10, -1e10, np.inf], np.float32), "int32").numpy()
    assert big[0] > 2 ** 31 - 200 and big[1] == -(2 ** 31) and big[2] == big[0]


def test_errors():
    with pytest.raises(ValueError, match="searchsorted: `sorted_sequence` must be 1-D"):
        ops.searchsorted(X, 0.0)
    with pytest.raises(ValueError, match="searchsorted: `side`.*Received: side='middle'"):
        ops.searchsorted(X[0], 0.0, side="middle")
    with pytest.raises(ValueError, match="select: .*same length"):
        ops.select([X > 0], [X, Y])
    with pytest.raises(ValueError, match="vsplit: `x` must have at least 2"):
        ops.vsplit(X[0], 2)
    with pytest.raises(ValueError, match="dsplit: `x` must have at least 3"):
        ops.dsplit(X, 2)
    with pytest.raises(ValueError, match="cross: the vector axes must have size 2 or 3"):
        ops.cross(X, Y)
    with pytest.raises(ValueError, match="vander: `x` must be 1-D"):
        ops.vander(X)
    with pytest.raises(TypeError, match="ldexp: `x2` must be an integer"):
        ops.ldexp(X, Y)
