"""ops.conv / depthwise_conv / separable_conv / conv_transpose against the NumPy float64
references in _conv_ref.py, with finite-difference gradients for inputs and kernels."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op
from tests.ops import _conv_ref as R

rng = np.random.default_rng(0)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


# Depthwise kernels (one input channel per group) run a direct loop, the others im2col +
# GEMM (1x1 stride-1 ones a plain GEMM): the cases cover each path.
CONV_CASES = [  # id, x shape, kernel shape, kwargs
    ("valid", (2, 5, 6, 2), (3, 3, 2, 3), {}),
    ("same_odd", (1, 5, 7, 2), (3, 2, 2, 2), {"padding": "same"}),
    ("same_stride2", (2, 5, 5, 1), (3, 3, 1, 2), {"padding": "same", "strides": 2}),
    ("stride_gt_kernel", (1, 7, 6, 2), (2, 2, 2, 2), {"strides": (3, 4)}),
    ("dilation", (1, 7, 7, 2), (2, 3, 2, 2), {"dilation_rate": (2, 1), "padding": "same"}),
    ("groups", (2, 4, 4, 4), (3, 3, 2, 6), {"padding": "same"}),
    ("pointwise", (2, 3, 4, 3), (1, 1, 3, 2), {}),
    ("pointwise_gemm", (2, 3, 2, 17), (1, 1, 17, 2), {}),
    ("same_stride2_im2col", (2, 5, 5, 3), (3, 3, 3, 2), {"padding": "same", "strides": 2}),
    ("dilation_im2col", (1, 7, 6, 4), (2, 3, 4, 2), {"dilation_rate": 2, "padding": "same"}),
    ("depthwise_grouped", (1, 5, 5, 3), (3, 3, 1, 6), {"padding": "same"}),
    ("1d", (2, 7, 3), (3, 3, 2), {"padding": "same", "strides": 2}),
    ("1d_dilated_groups", (1, 9, 4), (2, 2, 4), {"dilation_rate": 3}),
    ("size1", (1, 1, 1, 2), (1, 1, 2, 1), {}),
]


@pytest.mark.parametrize("xs,ks,kw", [c[1:] for c in CONV_CASES], ids=[c[0] for c in CONV_CASES])
def test_conv_matches_reference_and_gradients(xs, ks, kw):
    ref_kw = {k.replace("dilation_rate", "dilation"): v for k, v in kw.items()}
    check_op(lambda x, k: ops.conv(x, k, **kw), lambda x, k: R.conv(x, k, **ref_kw),
             [_r(*xs), _r(*ks)], atol=1e-4, rtol=1e-4)


def test_conv_channels_first_is_transposed_channels_last():
    x, k = _r(2, 3, 6, 5), _r(3, 3, 3, 4)
    out = ops.conv(x, k, strides=2, padding="same", data_format="channels_first")
    ref = R.conv(x.transpose(0, 2, 3, 1).astype(np.float64), k, strides=2, padding="same")
    np.testing.assert_allclose(np.asarray(out), ref.transpose(0, 3, 1, 2), atol=1e-4)
    check_op(lambda x: ops.conv(x, k, data_format="channels_first"),
             lambda x: R.conv(x.transpose(0, 2, 3, 1), k).transpose(0, 3, 1, 2), [x[:1, :, :4]],
             atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("channels", [1, 3])
def test_conv_larger_batch_splits_over_threads(channels):
    # Several chunks of batch rows (and several im2col blocks) against the reference.
    x, k = _r(9, 12, 12, channels), _r(3, 3, channels, 5)
    np.testing.assert_allclose(np.asarray(ops.conv(x, k, padding="same")),
                               R.conv(x.astype(np.float64), k, padding="same"), atol=1e-4)
    v = ff.Variable(k)
    w = _r(9, 10, 10, 5)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.multiply(ops.conv(x, v), w))
    # dloss/dkernel[i, j, c, o] = sum over n, h, w of x patch * w
    p = R._patches(x.astype(np.float64), (3, 3), (1, 1), (1, 1), 0)
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, v)),
                               np.einsum("nhwijc,nhwo->ijco", p, w), rtol=1e-4, atol=1e-3)
    vx = ff.Variable(x)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.multiply(ops.conv(vx, k), w))
    ref = R.conv_transpose(w.astype(np.float64), k, output_padding=0)
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, vx)), ref, rtol=1e-4, atol=1e-4)


def test_conv_empty_batch_and_nan():
    out = ops.conv(np.zeros((0, 5, 5, 2), np.float32), _r(3, 3, 2, 4))
    assert out.shape == (0, 3, 3, 4)
    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    out = np.asarray(ops.conv(x, np.ones((2, 2, 1, 1), np.float32)))[0, :, :, 0]
    assert np.isnan(out[0, 0]) and not np.isnan(out[1:, :]).any() and not np.isnan(out[:, 1:]).any()


def test_depthwise_conv():
    x, k = _r(2, 5, 5, 3), _r(3, 3, 3, 2)
    grouped = lambda k: k.reshape(3, 3, 1, 6)  # noqa: E731
    check_op(lambda x, k: ops.depthwise_conv(x, k, strides=2, padding="same"),
             lambda x, k: R.conv(x, grouped(k), strides=2, padding="same"), [x, k],
             atol=1e-4, rtol=1e-4)
    # depth_multiplier 1 (the per-channel loop), 1-D, dilated, "same".
    check_op(lambda x, k: ops.depthwise_conv(x, k, padding="same", dilation_rate=2),
             lambda x, k: R.conv(x, k.reshape(3, 1, 3), padding="same", dilation=2),
             [_r(2, 8, 3), _r(3, 3, 1)], atol=1e-4, rtol=1e-4)


def test_separable_conv():
    x, dk, pk = _r(1, 6, 5, 2), _r(3, 3, 2, 2), _r(1, 1, 4, 3)
    check_op(lambda x, d, p: ops.separable_conv(x, d, p, padding="same"),
             lambda x, d, p: R.conv(R.conv(x, d.reshape(3, 3, 1, 4), padding="same"), p),
             [x, dk, pk], atol=1e-4, rtol=1e-4)


TRANSPOSE_CASES = [
    ("valid", (2, 3, 4, 2), (3, 3, 3, 2), {"strides": 2}),
    ("same", (1, 3, 4, 2), (3, 3, 2, 2), {"strides": 2, "padding": "same"}),
    ("same_even_kernel", (1, 3, 3, 2), (4, 4, 2, 2), {"strides": 2, "padding": "same"}),
    ("output_padding", (1, 3, 3, 1), (3, 3, 2, 1),
     {"strides": 3, "padding": "same", "output_padding": 2}),
    ("valid_output_padding", (1, 2, 3, 2), (3, 2, 1, 2),
     {"strides": 2, "output_padding": (1, 0)}),
    ("stride_gt_kernel", (1, 2, 3, 1), (2, 2, 2, 1), {"strides": 3}),
    ("dilation", (1, 3, 3, 2), (2, 3, 2, 2), {"padding": "same", "dilation_rate": 2}),
    ("1d", (2, 4, 3), (5, 2, 3), {"strides": 2, "padding": "same"}),
]


@pytest.mark.parametrize("xs,ks,kw", [c[1:] for c in TRANSPOSE_CASES],
                         ids=[c[0] for c in TRANSPOSE_CASES])
def test_conv_transpose_matches_reference_and_gradients(xs, ks, kw):
    ref_kw = {k.replace("dilation_rate", "dilation"): v for k, v in kw.items()}
    check_op(lambda x, k: ops.conv_transpose(x, k, **kw),
             lambda x, k: R.conv_transpose(x, k, **ref_kw), [_r(*xs), _r(*ks)],
             atol=1e-4, rtol=1e-4)


def test_conv_transpose_is_the_input_gradient_of_conv():
    x, k, g = _r(2, 7, 7, 3), _r(3, 3, 3, 4), _r(2, 4, 4, 4)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.multiply(ops.conv(v, k, strides=2, padding="same"), g))
    dx = np.asarray(tape.gradient(loss, v))
    # conv_transpose's kernel is (spatial, out, in): conv's (spatial, in, out) as is.
    out = ops.conv_transpose(g, k, strides=2, padding="same", output_padding=0)
    np.testing.assert_allclose(np.asarray(out), dx, atol=1e-4)


@pytest.mark.parametrize("call,match", [
    (lambda: ops.conv(_r(1, 2, 2, 1), _r(3, 3, 1, 1)), "larger than the padded input"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 3, 1, 1), strides=0), "strides"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 3, 1, 1), dilation_rate=(1, -1)), "dilation_rate"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 3, 1, 1), strides=(1, 2, 3)), "strides"),
    (lambda: ops.conv(_r(1, 5, 5, 5), _r(3, 3, 2, 4)), "not a multiple"),
    (lambda: ops.conv(_r(1, 5, 5, 4), _r(3, 3, 2, 3)), "groups"),
    (lambda: ops.conv(_r(5, 5), _r(3, 3, 1, 1)), "rank"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 1, 1)), "rank"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 3, 1, 1), padding="causal"), "padding"),
    (lambda: ops.conv(_r(1, 5, 5, 1), _r(3, 3, 1, 1), data_format="NHWC"), "data_format"),
    (lambda: ops.depthwise_conv(_r(1, 5, 5, 2), _r(3, 3, 3, 1)), "kernel"),
    (lambda: ops.conv_transpose(_r(1, 3, 3, 2), _r(3, 3, 2, 3)), "kernel"),
    (lambda: ops.conv_transpose(_r(1, 3, 3, 2), _r(3, 3, 2, 2), strides=2, output_padding=2),
     "output_padding"),
    (lambda: ops.conv_transpose(_r(1, 1, 2), _r(2, 2, 2), padding="same", output_padding=0),
     "empty output"),
])
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_backward_kernel_rejects_mismatched_gradient():
    from pyfastfit.core._c import _C
    x = _C.from_numpy(_r(1, 5, 5, 1))
    k = _C.from_numpy(_r(3, 3, 1, 1))
    with pytest.raises(ValueError, match=r"\[conv_backward\] dout has shape"):
        _C.conv_backward(_C.from_numpy(_r(1, 2, 2, 1)), x, k, (1, 1), (0, 0), (0, 0), (1, 1),
                         True, True)
    with pytest.raises(ValueError, match=r"\[conv\] padding must be non-negative"):
        _C.conv_forward(x, k, (1, 1), (-1, 0), (0, 0), (1, 1))


def test_names_in_both_namespaces():
    for name in ("conv", "depthwise_conv", "separable_conv", "conv_transpose"):
        assert getattr(ops, name) is getattr(ops.nn, name)


@pytest.mark.parametrize("name", ["depthwise_conv", "conv_transpose", "separable_conv"])
def test_channels_first_variants_are_transposed_channels_last(name):
    x = _r(2, 3, 5, 4)
    args = {"depthwise_conv": (_r(3, 3, 3, 2),), "conv_transpose": (_r(3, 3, 2, 3),),
            "separable_conv": (_r(3, 3, 3, 2), _r(1, 1, 6, 4))}[name]
    fn = getattr(ops, name)
    first = fn(x, *args, strides=2, padding="same", data_format="channels_first")
    last = fn(x.transpose(0, 2, 3, 1), *args, strides=2, padding="same")
    np.testing.assert_allclose(np.asarray(first), np.asarray(last).transpose(0, 3, 1, 2),
                               atol=1e-5)


@pytest.mark.parametrize("threads", [1, 3])
def test_thread_count_changes_no_result_beyond_rounding(threads):
    # The batch is split over the pool and the kernel gradient summed per chunk, so the
    # thread count may change rounding, never values.
    x, k, w = _r(7, 6, 6, 3), _r(3, 3, 3, 4), _r(7, 4, 4, 4)

    def run():
        vx, vk = ff.Variable(x), ff.Variable(k)
        with ff.GradientTape() as tape:
            loss = ops.sum(ops.multiply(ops.conv(vx, vk), w))
        return [np.asarray(g) for g in tape.gradient(loss, [vx, vk])]

    old = ff.config.get_num_threads()
    try:
        base = run()
        ff.config.set_num_threads(threads)
        for a, b in zip(run(), base):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    finally:
        ff.config.set_num_threads(old)
