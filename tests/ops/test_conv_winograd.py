"""3x3 stride-1 convolutions on at least 8 channels (16 input channels for the input
gradient), which run Winograd F(2x2, 3x3) (csrc/cpu/conv_winograd.cpp): against a NumPy float64
reference written tap by tap, and against the im2col + GEMM path (`_C._set_conv_winograd`).

Tolerance: F(2x2, 3x3)'s transforms only add, subtract and halve, so its float32 error
stays near im2col's: measured <= 5e-7 of the output's (or dx's) largest magnitude at
these shapes, against im2col's <= 6e-7. 1e-5 of that magnitude (plus 1e-5 relative)
leaves 20x or more headroom; a wrong tap or a lost edge tile errs by O(1)."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.core._c import _C
from pyfastfit.ops._conv import conv_fused
from tests.ops import _conv_ref as R

rng = np.random.default_rng(11)
TOL = 1e-5


def _r(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def reference(x, k, w, padding):
    """(out, dx) in float64 for out = conv(x, k) (3x3, stride 1) and the loss sum(out * w)."""
    N, H, W, _ = x.shape
    pt, pb = R.same_pads(H, 3, 1) if padding == "same" else (0, 0)
    pl, pr = R.same_pads(W, 3, 1) if padding == "same" else (0, 0)
    xp = np.pad(x.astype(np.float64), [(0, 0), (pt, pb), (pl, pr), (0, 0)])
    OH, OW = xp.shape[1] - 2, xp.shape[2] - 2
    k64, w64 = k.astype(np.float64), w.astype(np.float64)
    out, dxp = np.zeros((N, OH, OW, k.shape[-1])), np.zeros_like(xp)
    for i in range(3):
        for j in range(3):
            out += np.einsum("nhwc,co->nhwo", xp[:, i:i + OH, j:j + OW], k64[i, j])
            dxp[:, i:i + OH, j:j + OW] += np.einsum("nhwo,co->nhwc", w64, k64[i, j])
    return out, dxp[:, pt:pt + H, pl:pl + W]


def run(x, k, w, padding):
    """pyfastfit's (out, dx) through ops.conv and the tape."""
    vx = ff.Variable(x)
    with ff.GradientTape() as tape:
        out = ops.conv(vx, k, padding=padding)
        loss = ops.sum(ops.multiply(out, w))
    return np.asarray(out), np.asarray(tape.gradient(loss, vx))


def im2col_run(*args):
    old = _C._set_conv_winograd(False)
    try:
        return run(*args)
    finally:
        _C._set_conv_winograd(old)


def close(got, want, name):
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL * scale, err_msg=name)


# Each case takes the Winograd path (3x3, stride 1, >= 64 tiles, a multiply saving >= 1.25
# over im2col) forward, and for the input gradient where dx_winograd (C >= 16): odd and
# even sizes (partial edge tiles), valid and same, batch 1 (blocks of tile rows), C / O
# not multiples of 8 (scalar channel tails), a map whose tiles need several blocks per
# sample, 8 filters on 40 channels (past the few-filter kernels' limit), large values.
CASES = [  # id, x shape, filters, padding, scale of x, dx_winograd
    ("w3_conv2", (4, 13, 13, 32), 64, "valid", 1.0, True),
    ("same_even_c17_o19", (3, 12, 10, 17), 19, "same", 1.0, True),
    ("valid_even", (4, 10, 12, 16), 24, "valid", 1.0, True),
    ("batch1_same_odd", (1, 19, 17, 24), 20, "same", 1.0, True),
    ("batch1_valid_odd", (1, 21, 15, 16), 40, "valid", 1.0, True),
    ("wide_same", (2, 5, 40, 16), 16, "same", 1.0, True),
    ("many_blocks_per_sample", (2, 20, 22, 96), 131, "same", 1.0, True),
    ("filters8", (3, 12, 12, 40), 8, "same", 1.0, True),
    ("c8_forward_only", (4, 13, 13, 8), 24, "valid", 1.0, False),
    ("large_values", (3, 11, 9, 20), 33, "same", 1e4, True),
]


@pytest.mark.parametrize("xs,o,padding,scale,dx_winograd", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_forward_and_input_gradient(xs, o, padding, scale, dx_winograd):
    x, k = _r(*xs, scale=scale), _r(3, 3, xs[-1], o, scale=0.1 * scale)
    n, h, wd, _ = xs
    w = _r(n, h, wd, o) if padding == "same" else _r(n, h - 2, wd - 2, o)
    got, want = run(x, k, w, padding), reference(x, k, w, padding)
    for name, a, b in zip(("out", "dx"), got, want):
        assert a.shape == b.shape, (name, a.shape, b.shape)
        close(a, b, name)
    # Rounding differs from im2col + GEMM's: evidence the Winograd kernels ran at all
    # (a dispatch rule that stopped taking these shapes would fail here, not pass quietly).
    base = im2col_run(x, k, w, padding)
    assert not np.array_equal(got[0], base[0]), "out: the Winograd path did not run"
    assert np.array_equal(got[1], base[1]) != dx_winograd, "dx: unexpected path"


@pytest.mark.parametrize("act", ["relu", "tanh", "softmax"])
def test_fused_bias_and_activation(act):
    x, k, b = _r(3, 9, 11, 24), _r(3, 3, 24, 18, scale=0.2), _r(18)
    z = R.conv(x.astype(np.float64), k.astype(np.float64), padding="same") + b
    want = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
            "softmax": lambda z: np.exp(z - z.max(-1, keepdims=True)) / np.exp(
                z - z.max(-1, keepdims=True)).sum(-1, keepdims=True)}[act](z)
    close(np.asarray(conv_fused(x, k, b, act, padding="same")), want, act)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts(threads):
    # Blocks are split by samples or tile rows per thread count; results stay within
    # rounding of the reference at any.
    x, k, w = _r(5, 13, 13, 32), _r(3, 3, 32, 64), _r(5, 11, 11, 64)
    old = ff.config.get_num_threads()
    try:
        ff.config.set_num_threads(threads)
        got = run(x, k, w, "valid")
    finally:
        ff.config.set_num_threads(old)
    for name, a, b in zip(("out", "dx"), got, reference(x, k, w, "valid")):
        close(a, b, name)


def test_non_finite_values_reach_exactly_the_outputs_that_read_it():
    # The transforms mix a tile's pixels, yet each input pixel reaches only the outputs
    # whose window holds it (F(2, 3)'s corner pixels feed one output, the middle two both).
    # An inf, though, may come out as NaN rather than inf: the transforms subtract pixels
    # (inf - inf), where im2col only multiplies and adds.
    x = np.zeros((16, 6, 9, 16), np.float32)
    x[0, 2, 4, 1] = np.nan
    x[1, 3, 7, 0] = np.inf
    out = np.asarray(ops.conv(x, np.ones((3, 3, 16, 16), np.float32), padding="same"))
    expect = np.zeros((2, 6, 9), bool)
    expect[0, 1:4, 3:6] = True
    expect[1, 2:5, 6:9] = True
    for o in (0, 15):
        np.testing.assert_array_equal(~np.isfinite(out[:2, :, :, o]), expect)
    assert np.isnan(out[0, 1:4, 3:6]).all()
    assert np.isfinite(out[2:]).all()


def test_small_maps_keep_im2col():
    # A 3x3 valid map has one output per 4x4 tile (16 multiplies for 9): the dispatch
    # rule keeps im2col + GEMM, whose bits the switch cannot change.
    x, k, w = _r(64, 3, 3, 32), _r(3, 3, 32, 32), _r(64, 1, 1, 32)
    for a, b in zip(run(x, k, w, "valid"), im2col_run(x, k, w, "valid")):
        np.testing.assert_array_equal(a, b)


def _fit_weights(winograd):
    """Weights after 4 SGD steps of a 2-conv model on the fast path (the Program's conv
    node: both convolutions' forward, the second's input gradient on Winograd's shapes)."""
    old = _C._set_conv_winograd(winograd)
    try:
        ff.utils.set_random_seed(3)
        model = ff.Sequential([
            ff.Input((10, 10, 16)),
            ff.layers.Conv2D(16, 3, activation="relu"),
            ff.layers.Conv2D(24, 3, padding="same", activation="relu"),
            ff.layers.Flatten(),
            ff.layers.Dense(3, activation="softmax"),
        ])
        model.compile(optimizer=ff.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy")
        data = np.random.default_rng(5)
        x = data.standard_normal((32, 10, 10, 16)).astype(np.float32)
        y = data.integers(0, 3, 32)
        model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
        assert model.fast_path_reason is None
        return model.get_weights()
    finally:
        _C._set_conv_winograd(old)


def test_fit_on_the_fast_path_matches_im2col():
    on, off = _fit_weights(True), _fit_weights(False)
    for a, b in zip(on, off):
        close(a, b, "weights")
    assert not np.array_equal(on[0], off[0]), "the Winograd path did not run"


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_transpose(padding):
    # A stride-1 3x3 transposed convolution's forward is conv_backward_input and its input
    # gradient conv_forward: both take the Winograd kernels here.
    x, k = _r(4, 9, 11, 24), _r(3, 3, 20, 24)
    x64, k64 = x.astype(np.float64), k.astype(np.float64)
    want = R.conv_transpose(x64, k64, padding=padding)
    w = _r(*want.shape)
    vx = ff.Variable(x)
    with ff.GradientTape() as tape:
        out = ops.conv_transpose(vx, k, padding=padding)
        loss = ops.sum(ops.multiply(out, w))
    close(np.asarray(out), want, "out")
    # The adjoint of the adjoint: dx is the convolution of w with the same kernel.
    close(np.asarray(tape.gradient(loss, vx)), R.conv(w.astype(np.float64), k64,
                                                        padding=padding), "dx")
