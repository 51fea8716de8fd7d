"""The fused convolution op (`activation(conv(x, kernel) + bias)` in one kernel call, the
Conv layers' internal op) and the register-blocked direct kernels for few-float patches,
against the NumPy float64 references in _conv_ref.py, with finite-difference gradients."""

import math

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.core._c import _C
from pyfastfit.ops import _nn as nn_ops
from pyfastfit.ops._conv import conv_fused
from tests.helpers import check_op
from tests.ops import _conv_ref as R

_erf = np.vectorize(math.erf, otypes=[np.float64])  # float64 erf without SciPy

rng = np.random.default_rng(7)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


ACTS = {  # name -> (alpha, float64 reference)
    "linear": (0.0, lambda z: z),
    "relu": (0.0, lambda z: np.maximum(z, 0)),
    "elu": (1.0, lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0)))),
    "gelu": (0.0, lambda z: 0.5 * z * (1 + _erf(z / np.sqrt(2)))),
    "tanh": (0.0, np.tanh),
    "softmax": (0.0, _softmax),
}


def _ref(x, k, b, act, **kw):
    z = R.conv(x, k, **{a.replace("dilation_rate", "dilation"): v for a, v in kw.items()})
    return ACTS[act][1](z + (0 if b is None else b))


# Shapes that reach every path: few-float patches (the direct kernels: patch <= 16,
# ungrouped), im2col + GEMM, pointwise GEMM, grouped and depthwise (direct loop), 1-D.
FUSED_CASES = [  # id, x shape, kernel shape, kwargs
    ("small_valid", (2, 6, 7, 1), (3, 3, 1, 9), {}),
    ("small_same_stride2", (2, 5, 6, 2), (2, 3, 2, 8), {"padding": "same", "strides": 2}),
    ("small_dilated", (1, 7, 7, 1), (3, 3, 1, 5), {"dilation_rate": 2, "padding": "same"}),
    ("gemm", (2, 5, 5, 3), (3, 3, 3, 4), {"padding": "same"}),
    ("pointwise", (2, 3, 4, 17), (1, 1, 17, 3), {}),
    ("groups", (1, 4, 4, 4), (3, 3, 2, 6), {"padding": "same"}),
    ("depthwise", (1, 5, 5, 3), (3, 3, 1, 6), {"padding": "same"}),
    ("1d", (2, 7, 3), (3, 3, 4), {"padding": "same", "strides": 2}),
]


@pytest.mark.parametrize("act", sorted(ACTS))
@pytest.mark.parametrize("xs,ks,kw", [c[1:] for c in FUSED_CASES],
                         ids=[c[0] for c in FUSED_CASES])
def test_conv_fused_matches_reference(xs, ks, kw, act):
    x, k, b = _r(*xs), _r(*ks), _r(ks[-1])
    out = conv_fused(x, k, b, act, ACTS[act][0], **kw)
    np.testing.assert_allclose(np.asarray(out), _ref(x.astype(np.float64), k, b, act, **kw),
                               atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("act", ["relu", "gelu", "elu", "softmax", "linear"])
@pytest.mark.parametrize("case", ["small_same_stride2", "gemm", "depthwise"])
def test_conv_fused_gradients(case, act):
    _, xs, ks, kw = next(c for c in FUSED_CASES if c[0] == case)
    alpha = ACTS[act][0]
    rkw = {a.replace("dilation_rate", "dilation"): v for a, v in kw.items()}
    while True:  # for relu, inputs with every z off the kink, where differences break
        x, k, b = _r(*xs), _r(*ks), _r(ks[-1])
        z = R.conv(x.astype(np.float64), k, **rkw) + b
        if act != "relu" or np.abs(z).min() > 0.05:
            break
    check_op(lambda x, k, b: conv_fused(x, k, b, act, alpha, **kw),
             lambda x, k, b: _ref(x, k, b, act, **kw), [x, k, b], atol=2e-5, rtol=1e-4)


def test_conv_fused_without_bias_and_channels_first():
    x, k = _r(2, 3, 6, 5), _r(3, 3, 3, 4)
    out = conv_fused(x, k, None, "tanh", strides=2, padding="same",
                     data_format="channels_first")
    ref = np.tanh(R.conv(x.transpose(0, 2, 3, 1).astype(np.float64), k, strides=2,
                         padding="same")).transpose(0, 3, 1, 2)
    np.testing.assert_allclose(np.asarray(out), ref, atol=2e-5)
    check_op(lambda x, k: conv_fused(x, k, None, "relu", data_format="channels_first"),
             lambda x, k: np.maximum(R.conv(x.transpose(0, 2, 3, 1), k), 0).transpose(
                 0, 3, 1, 2), [x[:1, :, :4], k], atol=2e-5, rtol=1e-4)


def test_conv_fused_nan_empty_and_size1():
    out = conv_fused(np.zeros((0, 5, 5, 1), np.float32), _r(3, 3, 1, 8), _r(8), "relu")
    assert out.shape == (0, 3, 3, 8)
    for kshape in [(3, 3, 1, 8), (3, 3, 4, 8)]:  # direct kernels and im2col + GEMM
        vk, vb = ff.Variable(_r(*kshape)), ff.Variable(_r(8))
        with ff.GradientTape() as tape:
            y = conv_fused(np.zeros((0, 5, 5, kshape[2]), np.float32), vk, vb, "gelu")
            loss = ops.sum(y)
        dk, db = tape.gradient(loss, [vk, vb])
        assert not np.asarray(dk).any() and not np.asarray(db).any()
    x = np.zeros((1, 4, 4, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    out = np.asarray(conv_fused(x, np.ones((3, 3, 1, 8), np.float32), np.zeros(8, np.float32),
                                "relu"))
    # Only the windows covering (0, 0) see the NaN.
    assert np.isnan(out[0, 0, 0]).all() and not np.isnan(out[0, 1:, :]).any()
    assert not np.isnan(out[0, 0, 1]).any()
    one = conv_fused(_r(1, 1, 1, 1), _r(1, 1, 1, 1), _r(1), "elu", 1.0)
    assert one.shape == (1, 1, 1, 1)


def test_conv_fused_bad_arguments():
    x, k = _r(1, 5, 5, 2), _r(3, 3, 2, 4)
    with pytest.raises(ValueError, match=r"\[conv_fused\] bias must have shape \(4,\)"):
        conv_fused(x, k, _r(3), "relu")
    with pytest.raises(ValueError, match="activation"):
        conv_fused(x, k, _r(4), "no_such_activation")


# The direct kernels tile 3 pixels x 32 / 8 channels forward and 5 + 4 taps x 16 / 8
# channels backward, with scalar tails: channel counts and widths around each edge, and
# patches at the direct path's limit (16) and just past it (17, im2col + GEMM).
SMALL_CASES = [  # x shape, kernel shape, kwargs
    ((2, 9, 10, 1), (3, 3, 1, 32), {}),
    ((1, 8, 11, 1), (3, 3, 1, 70), {"padding": "same"}),
    ((2, 7, 8, 1), (3, 3, 1, 13), {"strides": (2, 1)}),
    ((1, 6, 9, 1), (3, 3, 1, 24), {"dilation_rate": (1, 2), "padding": "same"}),
    ((1, 6, 6, 4), (2, 2, 4, 40), {"padding": "same", "strides": 2}),
    ((2, 5, 7, 1), (4, 4, 1, 16), {"padding": "same"}),
    ((1, 5, 7, 17), (1, 1, 17, 9), {}),
    ((1, 4, 3, 16), (1, 1, 16, 8), {"strides": 2}),
    ((2, 9, 1), (5, 1, 12), {"padding": "same"}),
]


@pytest.mark.parametrize("xs,ks,kw", SMALL_CASES, ids=[str(i) for i in range(len(SMALL_CASES))])
def test_small_patch_kernels_match_reference(xs, ks, kw):
    x, k, b = _r(*xs), _r(*ks), _r(ks[-1])
    rkw = {a.replace("dilation_rate", "dilation"): v for a, v in kw.items()}
    ref = R.conv(x.astype(np.float64), k, **rkw)
    np.testing.assert_allclose(np.asarray(ops.conv(x, k, **kw)), ref, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(conv_fused(x, k, b, "relu", **kw)),
                               np.maximum(ref + b, 0), atol=1e-4, rtol=1e-5)
    # Kernel gradient of sum(conv * w): d/dk = sum over positions of patch * w, computed as
    # the reference conv's derivative along each kernel entry (exact: conv is linear in k).
    w = _r(*ref.shape)
    vk = ff.Variable(k)
    with ff.GradientTape() as tape:
        loss = ops.sum(ops.multiply(ops.conv(x, vk, **kw), w))
    got = np.asarray(tape.gradient(loss, vk))
    exp = np.zeros(k.shape)
    for idx in np.ndindex(*k.shape):
        e = np.zeros(k.shape)
        e[idx] = 1.0
        exp[idx] = (R.conv(x.astype(np.float64), e, **rkw) * w).sum()
    np.testing.assert_allclose(got, exp, atol=1e-3, rtol=1e-4)


def test_fused_backward_matches_unfused_chain_and_repeats_exactly():
    x, k, b = _r(5, 9, 9, 1), _r(3, 3, 1, 16), _r(16)
    w = _r(5, 9, 9, 16)

    def grads(fused):
        vx, vk, vb = ff.Variable(x), ff.Variable(k), ff.Variable(b)
        with ff.GradientTape() as tape:
            y = (conv_fused(vx, vk, vb, "gelu", padding="same") if fused else
                 ops.nn.gelu(ops.add(ops.conv(vx, vk, padding="same"), vb), approximate=False))
            loss = ops.sum(ops.multiply(y, w))
        return [np.asarray(g) for g in tape.gradient(loss, [vx, vk, vb])]

    fused, chain = grads(True), grads(False)
    for a, c in zip(fused, chain):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4)
    # The same thread count gives the same bits: fixed chunks, partials summed in order.
    for a, c in zip(fused, grads(True)):
        np.testing.assert_array_equal(a, c)


def test_fused_backward_op_checks_shapes():
    x, k = _C.from_numpy(_r(1, 5, 5, 1)), _C.from_numpy(_r(3, 3, 1, 8))
    out = _C.from_numpy(_r(1, 3, 3, 8))
    bad = _C.from_numpy(_r(1, 3, 3, 7))
    args = ([1, 1], [0, 0], [0, 0], [1, 1], True, True, True)
    with pytest.raises(ValueError, match=r"\[conv_fused_backward\] dout and out"):
        _C.conv_backward_fused(bad, x, k, out, out, "relu", 0.0, *args)
    with pytest.raises(ValueError, match=r"\[conv_fused_backward\] z \(the pre-activation\)"):
        _C.conv_backward_fused(out, x, k, bad, out, "gelu", 0.0, *args)


@pytest.mark.parametrize("act", ["relu", "gelu", "softmax", "linear"])
@pytest.mark.parametrize("xs,ks,kw", [((3, 8, 9, 1), (3, 3, 1, 13), {"padding": "same"}),
                                      ((2, 6, 6, 2), (2, 2, 2, 32), {"strides": 2}),
                                      ((2, 5, 5, 3), (3, 3, 3, 8), {})],
                         ids=["small_tail", "small_strided", "gemm"])
def test_fused_kernel_and_bias_gradients_without_input_gradient(xs, ks, kw, act):
    # A first layer (inputs not watched) takes the kernel-only backward, which applies the
    # activation's backward per output row inside the kernel-gradient loop.
    x, k, b = _r(*xs), _r(*ks), _r(ks[-1])
    alpha = ACTS[act][0]
    out_shape = np.asarray(conv_fused(x, k, b, act, alpha, **kw)).shape
    w = _r(*out_shape)

    def grads(fused):
        vk, vb = ff.Variable(k), ff.Variable(b)
        with ff.GradientTape() as tape:
            y = (conv_fused(x, vk, vb, act, alpha, **kw) if fused else
                 nn_ops.activation(ops.add(ops.conv(x, vk, **kw), vb), act, alpha))
            loss = ops.sum(ops.multiply(y, w))
        return [np.asarray(g) for g in tape.gradient(loss, [vk, vb])]

    for a, c, name in zip(grads(True), grads(False), ["dkernel", "dbias"]):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-4, err_msg=name)


@pytest.mark.parametrize("threads", [1, 3])
def test_small_patch_thread_count_changes_no_result_beyond_rounding(threads):
    # Samples split over the pool, kernel and bias gradients summed per chunk: the thread
    # count may change rounding, never values.
    x, k, b, w = _r(7, 10, 9, 1), _r(3, 3, 1, 24), _r(24), _r(7, 10, 9, 24)

    def run():
        vk, vb = ff.Variable(k), ff.Variable(b)
        with ff.GradientTape() as tape:
            y = conv_fused(x, vk, vb, "relu", padding="same")
            loss = ops.sum(ops.multiply(y, w))
        return [np.asarray(y)] + [np.asarray(g) for g in tape.gradient(loss, [vk, vb])]

    old = ff.config.get_num_threads()
    try:
        base = run()
        ff.config.set_num_threads(threads)
        for a, c in zip(run(), base):
            np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-5)
    finally:
        ff.config.set_num_threads(old)
