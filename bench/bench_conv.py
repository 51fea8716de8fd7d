"""Convolution kernels at W3's shapes (the MNIST CNN, batch 128) against the GEMM.

    python bench/bench_conv.py              # the configured thread count
    python bench/bench_conv.py --threads 1

For each of W3's two convolutions, `_C.conv_forward` and `_C.conv_backward` (kernel
gradient, plus the input gradient for the second layer, as training needs) are checked
against a NumPy float64 im2col reference, then timed (median of --samples after a
warm-up) and reported in GFLOP/s beside `_C.matmul` on the equivalent im2col GEMMs
(forward (B*P x kk) @ (kk x cout), kernel gradient (B*P x kk)^T @ (B*P x cout), input
gradient (B*P x cout) @ (kk x cout)^T). The ratio is what the im2col/col2im copies and the
batch-row split cost over the bare GEMM. Prints a table and writes
bench/results/<date>-conv-kernels.json unless --no-save.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time

import numpy as np

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, ROOT)
import harness  # noqa: E402

BATCH = 128
# (name, input HxWxC, filters, whether training needs the input gradient)
LAYERS = (("conv1 28x28x1 -> 26x26x32", (28, 28, 1), 32, False),
          ("conv2 13x13x32 -> 11x11x64", (13, 13, 32), 64, True))
K = 3


def im2col(x):
    """(B, H, W, C) -> (B*Ho*Wo, K*K*C) in the kernel's (kh, kw, c) order, float64."""
    win = np.lib.stride_tricks.sliding_window_view(x, (K, K), axis=(1, 2))
    b, ho, wo, c = win.shape[:4]
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(b * ho * wo, K * K * c)


def median_time(fn, samples):
    fn()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def check(name, got, ref):
    got = np.asarray(got, dtype=np.float64)
    scale = max(1.0, float(np.abs(ref).max()))
    if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-4, atol=1e-4 * scale):
        raise SystemExit(f"{name}: mismatch vs the float64 reference (shape {got.shape} vs "
                         f"{ref.shape}, max abs err "
                         f"{np.abs(got - ref).max() if got.shape == ref.shape else '-'})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--samples", type=int, default=15)
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args()
    import pyfastfit
    from pyfastfit import _C

    if args.threads:
        pyfastfit.config.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    rows = []
    for name, (h, w, c), cout, need_dx in LAYERS:
        x = rng.standard_normal((BATCH, h, w, c), dtype=np.float32)
        kern = rng.standard_normal((K, K, c, cout), dtype=np.float32) * 0.1
        cols = im2col(x.astype(np.float64))
        m, kk = cols.shape
        dout = rng.standard_normal((m, cout), dtype=np.float32)
        ho, wo = h - K + 1, w - K + 1
        xc, kc = _C.from_numpy(x), _C.from_numpy(kern)
        dc = _C.from_numpy(dout.reshape(BATCH, ho, wo, cout))
        conv_args = ([1, 1], [0, 0], [0, 0], [1, 1])
        fwd = lambda: _C.conv_forward(xc, kc, *conv_args)  # noqa: E731
        bwd = lambda: _C.conv_backward(dc, xc, kc, *conv_args, need_dx, True)  # noqa: E731
        kmat = kern.reshape(kk, cout).astype(np.float64)
        check(f"{name} forward", np.asarray(fwd()).reshape(m, cout), cols @ kmat)
        dx, dk = bwd()
        check(f"{name} kernel gradient", np.asarray(dk).reshape(kk, cout),
              cols.T @ dout.astype(np.float64))
        if need_dx:
            dcols = (dout.astype(np.float64) @ kmat.T).reshape(BATCH, ho, wo, K, K, c)
            ref = np.zeros((BATCH, h, w, c))
            for i in range(K):  # col2im: scatter-add every window position back
                for j in range(K):
                    ref[:, i:i + ho, j:j + wo] += dcols[:, :, :, i, j]
            check(f"{name} input gradient", np.asarray(dx), ref)
        colc = _C.from_numpy(np.ascontiguousarray(cols, dtype=np.float32))
        kmc, gc = _C.from_numpy(np.ascontiguousarray(kmat, dtype=np.float32)), \
            _C.from_numpy(dout)
        gemm_fwd = lambda: _C.matmul(colc, kmc)  # noqa: E731

        def gemm_bwd():
            _C.matmul(colc, gc, True, False)
            if need_dx:
                _C.matmul(gc, kmc, False, True)

        flop_f = 2 * m * kk * cout
        flop_b = flop_f * (2 if need_dx else 1)
        for kind, fn, gemm, flop in (("forward", fwd, gemm_fwd, flop_f),
                                     ("backward", bwd, gemm_bwd, flop_b)):
            t, tg = median_time(fn, args.samples), median_time(gemm, args.samples)
            rows.append(dict(layer=name, op=kind, gflop=flop / 1e9, conv_s=t, gemm_s=tg,
                             conv_gflops=flop / t / 1e9, gemm_gflops=flop / tg / 1e9))
    threads = pyfastfit.config.get_num_threads()
    print(f"# W3 conv kernels, batch {BATCH}, {threads} thread(s), load avg "
          f"{os.getloadavg()[0]:.2f}; validated against NumPy float64\n")
    print("| layer | pass | GFLOP | conv | conv GFLOP/s | im2col GEMM alone | GEMM GFLOP/s |"
          " conv / GEMM rate |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['layer']} | {r['op']} | {r['gflop']:.3f} | {r['conv_s'] * 1e3:.2f} ms | "
              f"{r['conv_gflops']:.1f} | {r['gemm_s'] * 1e3:.2f} ms | {r['gemm_gflops']:.1f}"
              f" | {r['conv_gflops'] / r['gemm_gflops']:.2f} |")
    if not args.no_save:
        date = datetime.datetime.now(datetime.timezone.utc)
        path = os.path.join(BENCH, "results", f"{date:%Y-%m-%d}-conv-kernels.json")
        with open(path, "w") as f:
            json.dump({"date_utc": date.isoformat(timespec="seconds"),
                       "commit": harness.git_commit(ROOT), "threads": threads,
                       "machine": harness.machine_description(),
                       "openblas_env": {v: os.environ.get(v) for v in
                                        ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
                       "rows": rows}, f, indent=1)
        print(f"\nwrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
