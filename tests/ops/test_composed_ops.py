"""Ops composed from other ops (ops/_numpy_extra.py, ops/_nn_extra.py): gradients by
finite differences, stop_gradient, NaN handling, corners and errors. Forward values vs
NumPy for every name are in test_keras_ops_names.py."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op

rng = np.random.default_rng(5)
X = rng.standard_normal((3, 4)).astype(np.float32)
Y = rng.standard_normal((4, 2)).astype(np.float32)


def _sig(x):
    return 1 / (1 + np.exp(-x))


GRAD_CASES = {
    "tensordot_axes_pair": (lambda a, b: ops.tensordot(a, b, axes=([1], [0])),
                            lambda a, b: np.tensordot(a, b, axes=([1], [0])), [X, Y]),
    "tensordot_int": (lambda a, b: ops.tensordot(a, b, axes=1),
                      lambda a, b: np.tensordot(a, b, axes=1), [X, Y]),
    "outer": (ops.outer, np.outer, [X[0], Y[:, 0]]),
    "inner": (ops.inner, np.inner, [X, X[:2]]),
    "vdot": (ops.vdot, np.vdot, [X, X * 2]),
    "rot90_k1": (ops.rot90, np.rot90, [X]),
    "rot90_k3": (lambda a: ops.rot90(a, 3), lambda a: np.rot90(a, 3), [X]),
    "diff_n2": (lambda a: ops.diff(a, 2, axis=0), lambda a: np.diff(a, 2, axis=0), [X]),
    "trapezoid_x": (lambda y: ops.trapezoid(y, x=np.array([0, 1, 3, 6], np.float32)),
                    lambda y: np.trapezoid(y, x=np.array([0, 1, 3, 6])), [X]),
    "logaddexp2": (ops.logaddexp2, np.logaddexp2, [X, X[::-1]]),
    "ptp": (lambda a: ops.ptp(a, axis=1), lambda a: np.ptp(a, axis=1), [X]),
    "sinc": (ops.sinc, np.sinc, [X + 0.1]),
    "glu": (ops.nn.glu, lambda a: a[:, :2] * _sig(a[:, 2:]), [X]),
    "celu": (lambda a: ops.nn.celu(a, alpha=0.7),
             lambda a: np.maximum(a, 0) + np.minimum(0.7 * np.expm1(a / 0.7), 0), [X]),
    "squareplus": (ops.nn.squareplus, lambda a: (a + np.sqrt(a * a + 4)) / 2, [X]),
    "normalize": (ops.nn.normalize, lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True),
                  [X]),
    "layer_norm": (lambda a, g, b: ops.nn.layer_normalization(a, g, b, epsilon=1e-3),
                   lambda a, g, b: (a - a.mean(-1, keepdims=True))
                   / np.sqrt(a.var(-1, keepdims=True) + 1e-3) * g + b, [X, Y[:, 0], Y[:, 1]]),
    "rms_norm": (lambda a, g: ops.nn.rms_normalization(a, g, epsilon=1e-3),
                 lambda a, g: a / np.sqrt((a * a).mean(-1, keepdims=True) + 1e-3) * g,
                 [X, Y[:, 0]]),
    "moments_var": (lambda a: ops.nn.moments(a, axes=(0, 1))[1], lambda a: a.var(), [X]),
    "psnr": (lambda a, b: ops.nn.psnr(a, b, 3.0),
             lambda a, b: 20 * np.log10(3.0) - 10 * np.log10(((a - b) ** 2).mean()), [X, X * 0.5]),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_composed_op_gradient(name):
    fn, ref, args = GRAD_CASES[name]
    check_op(fn, ref, args, atol=1e-4, rtol=1e-4)


def test_nan_reductions_gradients_skip_nans():
    x = X.copy()
    x[0, 1] = np.nan
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        loss = ops.add(ops.nanmean(v), ops.nansum(v))
    g = tape.gradient(loss, v).numpy()
    want = np.full(x.shape, 1 / 11 + 1, np.float32)
    want[0, 1] = 0.0
    np.testing.assert_allclose(g, want, rtol=1e-6)
    all_nan = np.full((2, 2), np.nan, np.float32)
    assert np.isnan(ops.nanmax(all_nan).numpy()) and np.isnan(ops.nanmin(all_nan).numpy())
    assert float(ops.nansum(all_nan)) == 0.0


def test_stop_gradient_blocks_the_gradient():
    v = ff.Variable(X)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.multiply(ops.stop_gradient(v), v))
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), X)  # d(c * v)/dv = c


def test_shapes_and_corners():
    assert ops.ndim(3.0) == 0 and ops.ndim(X) == 2
    assert [t.shape for t in ops.array_split(np.arange(7), 3)] == [(3,), (2,), (2,)]
    assert ops.empty((0, 2)).shape == (0, 2)
    assert ops.tri(2).numpy().tolist() == [[1, 0], [1, 1]]
    np.testing.assert_array_equal(ops.rot90(X, k=-1, axes=(1, 0)).numpy(),
                                  np.rot90(X, k=-1, axes=(1, 0)))
    np.testing.assert_array_equal(ops.diff(X, 0).numpy(), X)
    np.testing.assert_array_equal(ops.nn.multi_hot(np.array([3, 0, 3]), 5).numpy(),
                                  [1, 0, 0, 1, 0])
    assert ops.in_top_k(np.array([0]), np.array([[0.5, 0.5, 0.5]]), 1).numpy().tolist() == [True]
    mean, var = ops.nn.moments(X, axes=[1], keepdims=True)
    assert mean.shape == var.shape == (3, 1)


def test_errors():
    with pytest.raises(ValueError, match="tensordot: contracted sizes differ"):
        ops.tensordot(X, X, axes=1)
    with pytest.raises(ValueError, match="tensordot: `axes` must be in \\[0, 2\\]"):
        ops.tensordot(X, X, axes=3)
    with pytest.raises(ValueError, match="rot90: `axes` must be two different axes"):
        ops.rot90(X, axes=(1, 1))
    with pytest.raises(ValueError, match="axes 2 is out of bounds"):
        ops.rot90(X, axes=(0, 2))
    with pytest.raises(ValueError, match="glu: the size of `axis` must be even"):
        ops.nn.glu(X[:, :3])
    with pytest.raises(ValueError, match="geomspace.*same sign"):
        ops.geomspace(-1.0, 1.0)
    with pytest.raises(ValueError, match="array_split.*positive"):
        ops.array_split(X, 0)
    with pytest.raises(ValueError, match="psnr.*same shape"):
        ops.nn.psnr(X, Y, 1.0)
    with pytest.raises(ValueError, match="in_top_k.*Received: predictions.shape=\\(4,\\)"):
        ops.in_top_k(np.array([0]), np.ones(4), 1)
    with pytest.raises(ValueError, match="multi_hot: `num_classes` is required"):
        ops.nn.multi_hot(np.array([1]))


def test_segment_max_min_gradient_ties_empty_and_inf():
    x = ff.Variable(np.array([1.0, 5.0, 5.0, 2.0, -np.inf], np.float32))
    ids = np.array([0, 0, 0, 1, 1])
    with ff.GradientTape() as tape:
        y = ops.segment_max(x, ids, num_segments=3)
        loss = ops.sum(ops.multiply(y, np.array([1.0, 2.0, 0.0], np.float32)))
    lowest = np.finfo(np.float32).min
    np.testing.assert_array_equal(y.numpy(), [5.0, 2.0, lowest])
    # ties share the gradient (as TensorFlow); the -inf row gets none, and no NaN appears
    np.testing.assert_array_equal(tape.gradient(loss, x).numpy(), [0, 0.5, 0.5, 2.0, 0])
    data = rng.standard_normal((5, 2)).astype(np.float32)
    seg = np.array([2, 0, 2, 1, 0])
    check_op(lambda d: ops.segment_min(d, seg, num_segments=3),
             lambda d: np.stack([d[seg == k].min(0) for k in range(3)]), [data])
    assert ops.segment_max(np.array([1, 7, 3], np.int32), [0, 1, 1]).numpy().tolist() == [1, 7]
    nan = ops.segment_max(np.array([1.0, np.nan, 2.0], np.float32), [0, 0, 1]).numpy()
    assert np.isnan(nan[0]) and nan[1] == 2.0
    with pytest.raises(ValueError, match="segment_max: `segment_ids` must be 1-D"):
        ops.segment_max(np.ones(3, np.float32), [0, 1])


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_nanquantile_values_gradient_and_all_nan(method):
    x = rng.permutation(20).astype(np.float32).reshape(4, 5) / 3  # distinct: no sort ties
    x[0, 1] = x[3, 0] = x[3, 4] = np.nan

    def ref(v):
        return np.nanquantile(v, [0.3, 0.9], axis=1, method=method)

    check_op(lambda v: ops.nanquantile(v, [0.3, 0.9], axis=1, method=method), ref, [x],
             atol=1e-5, rtol=1e-5)
    out = ops.nanmedian(np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32), axis=1)
    assert np.isnan(out.numpy()[0]) and out.numpy()[1] == 1.0
    with pytest.raises(ValueError, match="nanquantile: `q` must be.*Received: q=1.5"):
        ops.nanquantile(x, 1.5)


def test_depth_space_cdist_angle():
    x = np.arange(48, dtype=np.float32).reshape(1, 2, 3, 8)
    y = ops.nn.depth_to_space(x, 2)
    assert y.shape == (1, 4, 6, 2)
    assert y.numpy()[0, :2, :2, :].ravel().tolist() == list(range(8))  # Keras 3's output
    np.testing.assert_array_equal(ops.nn.space_to_depth(y, 2).numpy(), x)
    cf = ops.nn.depth_to_space(np.moveaxis(x, -1, 1), 2, data_format="channels_first")
    assert cf.numpy()[0, :, :2, :2].ravel().tolist() == [0, 2, 4, 6, 1, 3, 5, 7]
    check_op(lambda v: ops.nn.depth_to_space(v, 2), lambda v: v.reshape(1, 2, 3, 2, 2, 2)
             .transpose(0, 1, 3, 2, 4, 5).reshape(1, 4, 6, 2), [x / 10])
    check_op(ops.cdist, lambda a, b: np.sqrt(((a[:, None] - b[None]) ** 2).sum(-1)),
             [X, Y.T + 3.0])
    np.testing.assert_allclose(ops.cdist([[0.0, 0.0], [1.0, 1.0]], [[3.0, 4.0]]).numpy(),
                               [[5.0], [3.6055512]], rtol=1e-6)  # Keras 3's output
    assert ops.angle(np.array([-1.0, -0.0, np.nan], np.float32)).numpy().tolist() == [
        pytest.approx(np.pi), 0.0, 0.0]  # as Keras 3 (NumPy gives pi and nan for the last two)
    with pytest.raises(ValueError, match="depth_to_space: channels \\(3\\) must be divisible"):
        ops.nn.depth_to_space(np.ones((1, 2, 2, 3), np.float32), 2)
    with pytest.raises(ValueError, match="space_to_depth: height and width must be divisible"):
        ops.nn.space_to_depth(np.ones((1, 3, 2, 1), np.float32), 2)
    with pytest.raises(ValueError, match="`block_size` must be at least 2"):
        ops.nn.space_to_depth(x, 1)
    with pytest.raises(ValueError, match="cdist: .*Received: x.shape=\\(3, 4\\), y.shape=\\(4, 2\\)"):
        ops.cdist(X, Y)
