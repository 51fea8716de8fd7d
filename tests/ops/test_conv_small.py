"""ops.conv at geometries with at most 8 output channels per group, which run the direct
kernels of csrc/cpu/conv_small.cpp: forward, input gradient and kernel gradient against a
float64 NumPy reference written tap by tap (exact gradients, not finite differences)."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.ops import _conv_ref as R

rng = np.random.default_rng(7)


def _r(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def reference(x, k, w, strides=1, padding="valid", dilation_rate=1):
    """(out, dx, dk) in float64 for out = conv(x, k) and the loss sum(out * w)."""
    n = x.ndim - 2
    x2, w2 = (x[:, None], w[:, None]) if n == 1 else (x, w)
    k2 = k[None] if n == 1 else k
    s, d = R._lift(strides, n), R._lift(dilation_rate, n)
    pads = ([(0, 0)] if n == 1 else []) + R._pads(x, k.shape[:n], s[-n:], d[-n:], padding)
    xp = np.pad(x2.astype(np.float64), [(0, 0)] + pads + [(0, 0)])
    kh, kw, cg, o = k2.shape
    g = x.shape[-1] // cg
    N, OH, OW = w2.shape[:3]
    ws = w2.astype(np.float64).reshape(N, OH, OW, g, o // g)
    out = np.zeros(w2.shape)
    dxp, dk = np.zeros_like(xp), np.zeros(k2.shape)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * d[0], i * d[0] + (OH - 1) * s[0] + 1, s[0])
            cols = slice(j * d[1], j * d[1] + (OW - 1) * s[1] + 1, s[1])
            xs = xp[:, rows, cols].reshape(N, OH, OW, g, cg)
            kk = k2[i, j].astype(np.float64).reshape(cg, g, o // g)
            out += np.einsum("nhwgc,cgo->nhwgo", xs, kk).reshape(out.shape)
            dk[i, j] = np.einsum("nhwgc,nhwgo->cgo", xs, ws).reshape(cg, o)
            dxp[:, rows, cols] += np.einsum("nhwgo,cgo->nhwgc", ws, kk).reshape(N, OH, OW, -1)
    (t, _), (l, _) = pads[0], pads[1]
    dx = dxp[:, t:t + x2.shape[1], l:l + x2.shape[2]]
    if n == 1:
        return out[:, 0], dx[:, 0], dk[0]
    return out, dx, dk


def run(x, k, w, **kw):
    """pyfastfit's (out, dx, dk) through ops.conv and the tape."""
    vx, vk = ff.Variable(x), ff.Variable(k)
    with ff.GradientTape() as tape:
        out = ops.conv(vx, vk, **kw)
        loss = ops.sum(ops.multiply(out, w))
    dx, dk = tape.gradient(loss, [vx, vk])
    return np.asarray(out), np.asarray(dx), np.asarray(dk)


def check(xs, ks, tol=1e-4, **kw):
    x, k = _r(*xs), _r(*ks)
    out_shape = ops.conv(x, k, **kw).shape
    w = _r(*out_shape)
    got = run(x, k, w, **kw)
    want = reference(x, k, w, **kw)
    np.testing.assert_allclose(want[0], R.conv(x.astype(np.float64), k, **{
        a.replace("dilation_rate", "dilation"): v for a, v in kw.items()}), atol=1e-9)
    for name, a, b in zip(("out", "dx", "dk"), got, want):
        assert a.shape == b.shape, (name, a.shape, b.shape)
        scale = max(1.0, float(np.abs(b).max()))
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * scale, err_msg=name)


@pytest.mark.parametrize("filters", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("channels", [1, 3, 10])
def test_filters_by_channels(channels, filters):
    # OW = 11: a block of vectors and a partial tail vector.
    check((2, 6, 13, channels), (3, 3, channels, filters))


CASES = [  # id, x shape, kernel shape, kwargs
    ("w4_conv2d", (3, 32, 32, 3), (3, 3, 3, 3), {}),
    ("same_odd_batch1", (1, 7, 11, 3), (3, 3, 3, 5), {"padding": "same"}),
    ("same_even_kernel", (2, 9, 7, 2), (4, 2, 2, 3), {"padding": "same"}),
    ("stride_gt_kernel", (2, 9, 13, 3), (2, 2, 3, 2), {"strides": (3, 4)}),
    ("stride3_same", (2, 10, 10, 3), (3, 3, 3, 2), {"strides": 3, "padding": "same"}),
    ("stride2_same_c10", (1, 12, 17, 10), (3, 3, 10, 8), {"strides": 2, "padding": "same"}),
    ("dilation", (2, 11, 10, 3), (3, 2, 3, 3), {"dilation_rate": (2, 3), "padding": "same"}),
    ("dilation_valid", (1, 9, 20, 1), (2, 3, 1, 4), {"dilation_rate": (3, 4)}),
    # Taps kw * dw land on different phases of the stride: every phase's run is used.
    ("stride_and_dilation", (1, 13, 15, 3), (2, 3, 3, 2), {"strides": (2, 3),
                                                          "dilation_rate": 2}),
    ("stride7_dilation3_same", (2, 4, 30, 2), (1, 4, 2, 3),
     {"strides": (1, 7), "dilation_rate": (1, 3), "padding": "same"}),
    ("groups", (2, 6, 7, 6), (3, 3, 2, 6), {"padding": "same"}),
    ("groups_og8", (1, 5, 9, 4), (3, 3, 2, 16), {}),
    ("groups3_og1", (2, 5, 19, 9), (2, 3, 3, 3), {"strides": (1, 2)}),
    ("wide_row", (1, 3, 70, 3), (1, 5, 3, 3), {}),
    ("wide_kernel", (1, 4, 40, 2), (2, 9, 2, 1), {"padding": "same"}),
    ("one_column", (1, 1, 3, 2), (1, 3, 2, 3), {"padding": "same"}),
    ("kernel_is_input", (1, 4, 5, 3), (4, 5, 3, 2), {}),
    ("1d_w4", (2, 100, 10), (3, 10, 3), {}),
    ("1d_stride2_same", (1, 23, 3), (5, 3, 5), {"strides": 2, "padding": "same"}),
    ("1d_dilated", (2, 30, 1), (4, 1, 1), {"dilation_rate": 3}),
    ("1d_groups", (1, 17, 6), (3, 2, 6), {"padding": "same"}),
]


@pytest.mark.parametrize("xs,ks,kw", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_geometries(xs, ks, kw):
    check(xs, ks, **kw)


def test_kernel_gradient_ignores_unread_columns():
    # Stride 3 over 8 columns reads columns 0-5 only: an inf in column 7 must not reach
    # the kernel gradient (0 * inf would be NaN) nor any output.
    x, k = _r(1, 5, 8, 2), _r(1, 3, 2, 2)
    x[0, 2, 7, 1] = np.inf
    w = _r(1, 5, 2, 2)
    out, dx, dk = run(x, k, w, strides=(1, 3))
    clean = x.copy()
    clean[0, 2, 7, 1] = 0.0
    want = reference(clean, k, w, strides=(1, 3))
    np.testing.assert_allclose(out, want[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dk, want[2], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dx, want[1], rtol=1e-5, atol=1e-5)


def test_nan_reaches_exactly_the_outputs_that_read_it():
    x = np.zeros((1, 6, 9, 3), np.float32)
    x[0, 2, 4, 1] = np.nan
    out = np.asarray(ops.conv(x, np.ones((3, 3, 3, 2), np.float32), padding="same"))
    expect = np.zeros((6, 9), bool)
    expect[1:4, 3:6] = True
    np.testing.assert_array_equal(np.isnan(out[0, :, :, 0]), expect)
    np.testing.assert_array_equal(np.isnan(out[0, :, :, 1]), expect)


def test_empty_batch():
    from pyfastfit.core._c import _C
    x, k = np.zeros((0, 5, 6, 3), np.float32), _r(3, 3, 3, 2)
    assert ops.conv(x, k).shape == (0, 3, 4, 2)
    dx, dk = _C.conv_backward(_C.from_numpy(np.zeros((0, 3, 4, 2), np.float32)),
                              _C.from_numpy(x), _C.from_numpy(k), (1, 1), (0, 0), (0, 0),
                              (1, 1), True, True)
    assert np.asarray(dx).shape == (0, 5, 6, 3)
    np.testing.assert_array_equal(np.asarray(dk), np.zeros((3, 3, 3, 2), np.float32))


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_kernel_gradient_repeats_bit_for_bit_at_a_thread_count(threads):
    # Per-chunk partial sums added in chunk order: the same bits on every call at one
    # thread count, and the same values (up to rounding) at any.
    x, k, w = _r(7, 9, 10, 3), _r(3, 3, 3, 3), _r(7, 7, 8, 3)
    old = ff.config.get_num_threads()
    try:
        ff.config.set_num_threads(threads)
        first = run(x, k, w)
        for _ in range(3):
            for a, b in zip(run(x, k, w), first):
                np.testing.assert_array_equal(a, b)
    finally:
        ff.config.set_num_threads(old)
    for a, b in zip(first, reference(x, k, w)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
