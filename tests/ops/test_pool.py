"""ops.max_pool / average_pool against the NumPy float64 references in _conv_ref.py, with
finite-difference gradients; "same" ignores the padding (Keras/TensorFlow semantics)."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op
from tests.ops import _conv_ref as R

rng = np.random.default_rng(1)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _distinct(*shape):
    """Values at least 0.05 apart, so finite differences never cross a max's tie."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.05 - 1).astype(np.float32)


CASES = [  # id, x shape, pool_size, strides, padding
    ("valid", (2, 4, 6, 2), 2, None, "valid"),
    ("same_odd", (1, 5, 7, 2), 3, 2, "same"),
    ("same_stride1", (1, 4, 5, 1), (2, 3), 1, "same"),
    ("stride_gt_pool", (2, 7, 8, 1), 2, (3, 4), "valid"),
    ("overlap", (1, 6, 6, 3), 3, 1, "valid"),
    ("1d_same", (2, 7, 3), 4, 1, "same"),
    ("1d_valid", (1, 9, 2), 3, None, "valid"),
    ("tiles_odd_tail", (2, 7, 5, 3), 2, None, "valid"),  # the last row / column unpooled
    ("size1", (1, 1, 1, 2), 1, None, "valid"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("xs,pool,strides,padding", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_pool_matches_reference_and_gradients(kind, xs, pool, strides, padding):
    fn = ops.max_pool if kind == "max" else ops.average_pool
    check_op(lambda x: fn(x, pool, strides, padding),
             lambda x: R.pool(x, pool, strides, padding, kind), [_distinct(*xs)], atol=1e-5)


@pytest.mark.parametrize("fn", [ops.max_pool, ops.average_pool])
def test_pool_channels_first(fn):
    x = _r(2, 3, 5, 4)
    out = fn(x, 2, 1, "same", data_format="channels_first")
    ref = fn(x.transpose(0, 2, 3, 1), 2, 1, "same")
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref).transpose(0, 3, 1, 2))


def test_average_pool_same_counts_only_inputs():
    x = np.ones((1, 3, 3, 1), np.float32)
    out = np.asarray(ops.average_pool(x, 2, 2, "same"))
    np.testing.assert_array_equal(out, np.ones((1, 2, 2, 1)))


def test_max_pool_ties_and_nan():
    # A tie sends the gradient to one position (the first in the window), not both.
    x = ff.Variable(np.array([[[1.0], [1.0], [0.0], [2.0]]], np.float32))
    with ff.GradientTape() as tape:
        y = ops.sum(ops.max_pool(x, 2))
    np.testing.assert_array_equal(np.asarray(y), 3.0)
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x))[0, :, 0], [1, 0, 0, 1])
    xn = np.array([[[np.nan], [1.0], [3.0], [np.nan]]], np.float32)
    assert np.isnan(np.asarray(ops.max_pool(xn, 2))).all()
    assert np.isnan(np.asarray(ops.average_pool(xn, 2))).all()
    # -inf in every window position is still the max, never an out-of-range index.
    np.testing.assert_array_equal(
        np.asarray(ops.max_pool(np.full((1, 2, 1), -np.inf, np.float32), 2)), [[[-np.inf]]])


def test_pool_empty_batch():
    assert ops.max_pool(np.zeros((0, 4, 4, 2), np.float32), 2).shape == (0, 2, 2, 2)
    assert ops.average_pool(np.zeros((0, 5, 2), np.float32), 2, 1, "same").shape == (0, 5, 2)


@pytest.mark.parametrize("fn", [ops.max_pool, ops.average_pool])
@pytest.mark.parametrize("kwargs,match", [
    ({"inputs": np.zeros((1, 2, 2, 1)), "pool_size": 3}, "larger than the padded input"),
    ({"inputs": np.zeros((1, 4, 4, 1)), "pool_size": 0}, "pool_size"),
    ({"inputs": np.zeros((1, 4, 4, 1)), "pool_size": 2, "strides": (1, -1)}, "strides"),
    ({"inputs": np.zeros((1, 4, 4, 1)), "pool_size": (2, 2, 2)}, "pool_size"),
    ({"inputs": np.zeros((4, 4)), "pool_size": 2}, "rank"),
    ({"inputs": np.zeros((1, 4, 4, 1)), "pool_size": 2, "padding": "full"}, "padding"),
])
def test_bad_arguments_raise_value_error(fn, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fn(**kwargs)


@pytest.mark.parametrize("shape,pool", [((2, 7, 5, 3), (2, 2)), ((3, 9, 4), (3,)),
                                        ((2, 5, 7, 6, 3), (2, 3, 2)), ((1, 4, 4, 1), (4, 4))])
def test_max_pool_backward_tiles_equal_the_scatter(shape, pool):
    """Windows that tile the input (stride == pool size, no padding) are written in one
    pass when the backward knows them; it equals the scatter into a cleared dx, the
    positions past the last window included, with NaN in the windows."""
    from pyfastfit.core._c import _C
    x = _r(*shape)
    x.reshape(-1)[::7] = np.nan
    zeros = [0] * len(pool)
    out, idx = _C.max_pool_forward(_C.from_numpy(x), list(pool), list(pool), zeros, zeros)
    g = _C.from_numpy(_r(*np.asarray(out).shape))
    scatter = np.asarray(_C.max_pool_backward(g, idx, shape))
    tiles = np.asarray(_C.max_pool_backward(g, idx, shape, list(pool), list(pool), zeros,
                                            zeros))
    np.testing.assert_array_equal(tiles, scatter)
    assert np.count_nonzero(scatter) > 0


def test_backward_kernel_rejects_windows_that_do_not_match():
    from pyfastfit.core._c import _C
    x = _C.from_numpy(np.ones((1, 4, 4, 2), np.float32))
    out, idx = _C.max_pool_forward(x, [2, 2], [2, 2], [0, 0], [0, 0])
    with pytest.raises(ValueError, match="not the pooling's output"):
        _C.max_pool_backward(out, idx, [1, 4, 4, 2], [3, 3], [3, 3], [0, 0], [0, 0])
    with pytest.raises(ValueError, match="pool_size must be positive"):
        _C.max_pool_backward(out, idx, [1, 4, 4, 2], [0, 2], [2, 2], [0, 0], [0, 0])


def test_backward_kernel_rejects_bad_indices():
    from pyfastfit.core._c import _C
    g = _C.from_numpy(np.ones((1, 2, 1), np.float32))
    bad = _C.from_numpy(np.array([[[0], [7]]], np.int32))
    with pytest.raises(ValueError, match="outside the input"):
        _C.max_pool_backward(g, bad, (1, 4, 1))


def test_names_in_both_namespaces():
    assert ops.max_pool is ops.nn.max_pool and ops.average_pool is ops.nn.average_pool


@pytest.mark.parametrize("shape", [(3, 5, 4), (2, 1, 3), (4, 40, 300)])
def test_masked_mean_steps_matches_numpy_with_gradients(shape):
    """GlobalAveragePooling1D's masked mean (the fast path's masked_mean_pool node calls
    the same kernel): the mean over the kept steps only."""
    from pyfastfit.ops._pool import masked_mean_steps

    x = _r(*shape)
    mask = rng.random(shape[:2]) < 0.6
    mask[:, 0] = True  # every sample keeps a step
    m = mask.astype(np.float64)[:, :, None]
    check_op(lambda x: masked_mean_steps(x, mask), lambda x: (x * m).sum(1) / m.sum(1),
             [x], atol=1e-5, rtol=1e-5, grad=shape[2] < 100)
    # A sample with every step masked gives 0 / 0, as the composed ops.
    mask[0] = False
    assert np.isnan(np.asarray(masked_mean_steps(x.astype(np.float32), mask))[0]).all()


def test_masked_mean_steps_errors():
    from pyfastfit.ops._pool import masked_mean_steps

    with pytest.raises(ValueError, match=r"x must be \(batch, steps, channels\) and mask "):
        masked_mean_steps(np.ones((2, 3, 4), np.float32), np.ones((2, 4), bool))
