"""Convolutions with few output channels (W4's two convs) beside W3's first conv.

    python bench/bench_conv_small.py [--threads N] [--samples 15]
    PFF_BENCH_ROOT=/path/to/other/checkout python bench/bench_conv_small.py  # a baseline

Times `_C.conv_forward`, the kernel gradient and the input gradient (`_C.conv_backward`
with one of need_dx / need_dkernel) at each shape, after checking all three against a
NumPy float64 reference; prints a Markdown table of milliseconds and GFLOP/s (2 * outputs *
patch * filters per pass). Up to 8 filters per group these run csrc/cpu/conv_small.cpp's
direct kernels, above it im2col + GEMM, so the og=16 row shows the other side of the
threshold.
"""

import argparse
import os
import statistics
import sys

import numpy as np

import harness  # noqa: E402  (bench/, next to this script)

ROOT = os.environ.get("PFF_BENCH_ROOT") or os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# (name, x shape (N, [H,] W, C), kernel (KH, [KW,] C, O))
SHAPES = (
    ("W4 Conv2D 32x32x3 -> 3, b32", (32, 32, 32, 3), (3, 3, 3, 3)),
    ("W4 Conv1D 100x10 -> 3, b32", (32, 100, 10), (3, 10, 3)),
    ("W3 conv1 28x28x1 -> 32, b128", (128, 28, 28, 1), (3, 3, 1, 32)),
    ("32x32x16 -> 8, b32", (32, 32, 32, 16), (3, 3, 16, 8)),
    ("32x32x16 -> 16, b32", (32, 32, 32, 16), (3, 3, 16, 16)),
)


def reference(x, k):
    """Valid, stride-1 convolution and its two gradients for dout = ones, float64."""
    x2 = x[:, None] if x.ndim == 3 else x
    k2 = k[None] if k.ndim == 3 else k
    kh, kw = k2.shape[:2]
    win = np.lib.stride_tricks.sliding_window_view(x2, (kh, kw), axis=(1, 2))
    out = np.einsum("nhwcij,ijco->nhwo", win, k2)
    dk = np.einsum("nhwcij->ijc", win)[..., None] * np.ones(k2.shape[-1])
    dx = np.zeros_like(x2)
    for i in range(kh):
        for j in range(kw):
            dx[:, i:i + out.shape[1], j:j + out.shape[2]] += k2[i, j].sum(-1)
    if x.ndim == 3:
        return out[:, 0], dk[0], dx[:, 0]
    return out, dk, dx


def median_time(fn, samples):
    return statistics.median(harness.time_calls(fn, samples))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--samples", type=int, default=15)
    args = p.parse_args()
    import pyfastfit
    from pyfastfit import _C

    if args.threads:
        pyfastfit.config.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    print(f"# {pyfastfit.__file__}, {pyfastfit.config.get_num_threads()} thread(s), "
          f"load avg {os.getloadavg()[0]:.2f}\n")
    print("| shape | forward | GFLOP/s | kernel grad | GFLOP/s | input grad | GFLOP/s |")
    print("|---|---|---|---|---|---|---|")
    for name, xs, ks in SHAPES:
        x = rng.standard_normal(xs, dtype=np.float32)
        k = rng.standard_normal(ks, dtype=np.float32)
        nd = x.ndim - 2
        conv = ([1] * nd, [0] * nd, [0] * nd, [1] * nd)
        xc, kc = _C.from_numpy(x), _C.from_numpy(k)
        out = np.asarray(_C.conv_forward(xc, kc, *conv))
        gc = _C.from_numpy(np.ones(out.shape, np.float32))
        ref = reference(x.astype(np.float64), k.astype(np.float64))
        got = (out, np.asarray(_C.conv_backward(gc, xc, kc, *conv, False, True)[1]),
               np.asarray(_C.conv_backward(gc, xc, kc, *conv, True, False)[0]))
        for what, a, b in zip(("forward", "kernel grad", "input grad"), got, ref):
            scale = max(1.0, float(np.abs(b).max()))
            if not np.allclose(a, b, rtol=1e-4, atol=1e-4 * scale):
                raise SystemExit(f"{name} {what}: mismatch vs the float64 reference")
        flop = 2.0 * out.size * int(np.prod(k.shape[:-1]))
        ts = (median_time(lambda: _C.conv_forward(xc, kc, *conv), args.samples),
              median_time(lambda: _C.conv_backward(gc, xc, kc, *conv, False, True),
                          args.samples),
              median_time(lambda: _C.conv_backward(gc, xc, kc, *conv, True, False),
                          args.samples))
        cells = " | ".join(f"{t * 1e3:.3f} ms | {flop / t / 1e9:.1f}" for t in ts)
        print(f"| {name} | {cells} |")


if __name__ == "__main__":
    main()
