"""ops.conv / max_pool / average_pool on 3 spatial dims against the NumPy float64
references in _conv3d_ref.py, with finite-difference gradients, and 1-D/2-D results
unchanged (they run the same kernels with depth 1)."""

import numpy as np
import pytest

from pyfastfit import ops
from tests.helpers import check_op
from tests.ops import _conv3d_ref as R

rng = np.random.default_rng(7)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _distinct(*shape):
    """Values at least 0.05 apart, so finite differences never cross a max's tie."""
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.05 - 1).astype(np.float32)


CONV_CASES = [  # id, x shape, kernel shape, strides, padding, dilation
    ("valid", (2, 4, 5, 6, 2), (2, 3, 3, 2, 3), 1, "valid", 1),
    ("same_odd", (1, 5, 3, 7, 3), (3, 3, 3, 3, 4), 2, "same", 1),
    ("stride_gt_kernel", (1, 7, 6, 8, 2), (2, 2, 2, 2, 2), (3, 4, 3), "valid", 1),
    ("dilation_same", (1, 6, 5, 6, 1), (2, 3, 2, 1, 2), 1, "same", (2, 1, 3)),
    ("groups", (2, 3, 4, 4, 4), (2, 2, 2, 2, 6), 1, "same", 1),
    ("pointwise", (2, 3, 3, 3, 3), (1, 1, 1, 3, 5), 1, "valid", 1),
    ("depth1", (1, 1, 4, 5, 2), (1, 3, 3, 2, 2), 1, "same", 1),
    ("batch1_big_patch", (1, 4, 4, 4, 8), (3, 3, 3, 8, 9), 1, "same", 1),
]


@pytest.mark.parametrize("xs,ks,strides,padding,dilation", [c[1:] for c in CONV_CASES],
                         ids=[c[0] for c in CONV_CASES])
def test_conv3d_matches_reference_and_gradients(xs, ks, strides, padding, dilation):
    check_op(lambda x, k: ops.conv(x, k, strides, padding, dilation_rate=dilation),
             lambda x, k: R.conv3d(x, k, strides, padding, dilation),
             [_r(*xs), _r(*ks) * 0.5], atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("strides", [1, (2, 1, 2)])
def test_conv3d_over_several_blocks_of_depth_planes(strides):
    """A volume whose patch matrix spans several blocks of output depth planes (the
    kernels split 3-D work by (sample, output depth)): values against the reference,
    gradients by directional derivatives (the loss is bilinear: they are exact)."""
    from pyfastfit import GradientTape, Variable
    x, k = _r(2, 7, 24, 24, 8), _r(3, 3, 3, 8, 5) * 0.2
    w = _r(*np.asarray(ops.conv(x, k, strides, "same")).shape)
    ref = R.conv3d(x.astype(np.float64), k, strides, "same")
    xv, kv = Variable(x), Variable(k)
    with GradientTape() as tape:
        out = ops.conv(xv, kv, strides, "same")
        loss = ops.sum(ops.multiply(out, w))
    np.testing.assert_allclose(np.asarray(out), ref, atol=1e-4, rtol=1e-4)
    gx, gk = (np.asarray(g, np.float64) for g in tape.gradient(loss, [xv, kv]))

    def loss64(x_, k_):
        return float(np.sum(R.conv3d(x_, k_, strides, "same") * w))

    for seed in range(2):
        dx, dk = (np.random.default_rng(seed).standard_normal(a.shape) for a in (x, k))
        x64, k64 = x.astype(np.float64), k.astype(np.float64)
        want_x = (loss64(x64 + dx, k64) - loss64(x64 - dx, k64)) / 2
        want_k = (loss64(x64, k64 + dk) - loss64(x64, k64 - dk)) / 2
        np.testing.assert_allclose(np.sum(gx * dx), want_x, rtol=1e-4)
        np.testing.assert_allclose(np.sum(gk * dk), want_k, rtol=1e-4)


def test_conv3d_fused_bias_activation():
    from pyfastfit.ops._conv import conv_fused
    x, k, b = _r(2, 4, 4, 4, 2), _r(3, 3, 3, 2, 4), _r(4)
    check_op(lambda x, k, b: conv_fused(x, k, b, "relu", padding="same"),
             lambda x, k, b: np.maximum(R.conv3d(x, k, 1, "same") + b, 0),
             [x, k, b], atol=1e-4, rtol=1e-4)


def test_conv3d_channels_first():
    x, k = _r(2, 3, 4, 5, 6), _r(2, 2, 2, 3, 4)
    out = ops.conv(x, k, 1, "same", data_format="channels_first")
    ref = R.conv3d(x.transpose(0, 2, 3, 4, 1).astype(np.float64), k, 1, "same")
    np.testing.assert_allclose(np.asarray(out), ref.transpose(0, 4, 1, 2, 3), atol=1e-4)


def test_conv3d_empty_batch():
    out = ops.conv(np.zeros((0, 3, 4, 4, 2), np.float32), _r(2, 2, 2, 2, 3))
    assert tuple(out.shape) == (0, 2, 3, 3, 3)


POOL_CASES = [  # id, x shape, pool_size, strides, padding
    ("valid", (2, 4, 4, 6, 2), 2, None, "valid"),
    ("same_odd", (1, 5, 3, 7, 2), 3, 2, "same"),
    ("same_stride1", (1, 3, 4, 5, 1), (2, 2, 3), 1, "same"),
    ("stride_gt_pool", (2, 7, 5, 8, 1), 2, (3, 2, 4), "valid"),
    ("size1", (1, 1, 1, 1, 2), 1, None, "valid"),
]


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("xs,pool,strides,padding", [c[1:] for c in POOL_CASES],
                         ids=[c[0] for c in POOL_CASES])
def test_pool3d_matches_reference_and_gradients(kind, xs, pool, strides, padding):
    fn = ops.max_pool if kind == "max" else ops.average_pool
    check_op(lambda x: fn(x, pool, strides, padding),
             lambda x: R.pool3d(x, pool, strides, padding, kind), [_distinct(*xs)], atol=1e-5)


@pytest.mark.parametrize("fn", [ops.max_pool, ops.average_pool])
def test_pool3d_channels_first_and_empty_batch(fn):
    x = _r(2, 3, 4, 5, 3)
    out = fn(x, 2, 1, "same", data_format="channels_first")
    ref = fn(x.transpose(0, 2, 3, 4, 1), 2, 1, "same")
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref).transpose(0, 4, 1, 2, 3))
    assert tuple(fn(np.zeros((0, 4, 4, 4, 1), np.float32), 2).shape) == (0, 2, 2, 2, 1)


@pytest.mark.parametrize("call,match", [
    (lambda: ops.conv(_r(1, 3, 3, 3, 1), _r(3, 3, 1, 1)), "rank"),
    (lambda: ops.conv(_r(1, 3, 3, 3, 2), _r(2, 2, 2, 3, 1)), "multiple"),
    (lambda: ops.conv(_r(1, 2, 3, 3, 1), _r(3, 2, 2, 1, 1)), "larger"),
    (lambda: ops.conv(_r(1, 3, 3, 3, 1), _r(1, 1, 1, 1, 1), strides=(1, 1)), "strides"),
    (lambda: ops.max_pool(_r(1, 2, 3, 3, 1), 3), "larger"),
    (lambda: ops.average_pool(_r(1, 3, 3, 3, 1), (2, 2)), "pool_size"),
    (lambda: ops.conv(_r(1, 2, 3, 3, 3, 1), _r(1, 1, 1, 1, 1, 1)), "rank"),
])
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
