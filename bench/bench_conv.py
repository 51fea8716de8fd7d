"""Convolution and pooling kernels at W3's shapes (the MNIST CNN, batch 128) against the GEMM.

    python bench/bench_conv.py              # the configured thread count
    python bench/bench_conv.py --threads 1

Times, after checking each result against a NumPy float64 reference, every kernel one
W3 training step runs: conv1 forward and kernel gradient (no input gradient: it would
read the model input), pool1 forward/backward, conv2 forward, input gradient and kernel
gradient, pool2 forward/backward (best of --samples after a warm-up, the ops' output
allocation included as the eager layers pay it). Convolutions are reported in GFLOP/s
beside `_C.matmul` on the equivalent im2col GEMM with the same (M, N, K) (forward
(B*P x kk) @ (kk x cout), kernel gradient (B*P x kk)^T @ (B*P x cout), input gradient
(B*P x cout) @ (kk x cout)^T) and the machine's peak sgemm (2048^3, NumPy's OpenBLAS, one
thread and all threads); pools in GB/s of tensor traffic. `--fused` adds the forward with
bias + relu fused (`_C.conv_forward_fused`) against conv + bias add + relu as three ops.
Prints a table and writes bench/results/<date>-conv-kernels.json unless --no-save.
"""

import argparse
import datetime
import json
import os
import sys

import numpy as np


BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
sys.path.insert(0, ROOT)
import harness  # noqa: E402

BATCH = 128
# (name, input HxWxC, filters, whether training needs the input gradient)
LAYERS = (("conv1 28x28x1->26x26x32", (28, 28, 1), 32, False),
          ("conv2 13x13x32->11x11x64", (13, 13, 32), 64, True))
POOLS = (("pool1 26x26x32->13x13x32", (26, 26, 32)),
         ("pool2 11x11x64->5x5x64", (11, 11, 64)))
K = 3
CONV_ARGS = ([1, 1], [0, 0], [0, 0], [1, 1])


def im2col(x):
    """(B, H, W, C) -> (B*Ho*Wo, K*K*C) in the kernel's (kh, kw, c) order, float64."""
    win = np.lib.stride_tricks.sliding_window_view(x, (K, K), axis=(1, 2))
    b, ho, wo, c = win.shape[:4]
    return win.transpose(0, 1, 2, 4, 5, 3).reshape(b * ho * wo, K * K * c)


def best_time(fn, samples):
    """The fastest of `samples` calls after a warm-up: on a machine shared with other
    work, the least disturbed run is the most repeatable estimate."""
    return min(harness.time_calls(fn, samples))


def check(name, got, ref):
    got = np.asarray(got, dtype=np.float64)
    scale = max(1.0, float(np.abs(ref).max()))
    if got.shape != ref.shape or not np.allclose(got, ref, rtol=1e-4, atol=1e-4 * scale):
        raise SystemExit(f"{name}: mismatch vs the float64 reference (shape {got.shape} vs "
                         f"{ref.shape}, max abs err "
                         f"{np.abs(got - ref).max() if got.shape == ref.shape else '-'})")


def conv_cases(_C, rng, fused):
    """(name, pass, flop, bytes, kernel fn, GEMM fn or None) per W3 convolution pass."""
    cases = []
    for name, (h, w, c), cout, need_dx in LAYERS:
        x = rng.standard_normal((BATCH, h, w, c), dtype=np.float32)
        kern = rng.standard_normal((K, K, c, cout), dtype=np.float32) * 0.1
        bias = rng.standard_normal(cout, dtype=np.float32)
        cols = im2col(x.astype(np.float64))
        m, kk = cols.shape
        dout = rng.standard_normal((m, cout), dtype=np.float32)
        ho, wo = h - K + 1, w - K + 1
        xc, kc, bc = _C.from_numpy(x), _C.from_numpy(kern), _C.from_numpy(bias)
        dc = _C.from_numpy(dout.reshape(BATCH, ho, wo, cout))
        kmat = kern.reshape(kk, cout).astype(np.float64)
        fwd = lambda xc=xc, kc=kc: _C.conv_forward(xc, kc, *CONV_ARGS)  # noqa: E731
        bk = lambda dc=dc, xc=xc, kc=kc: _C.conv_backward(  # noqa: E731
            dc, xc, kc, *CONV_ARGS, False, True)
        bi = lambda dc=dc, xc=xc, kc=kc: _C.conv_backward(  # noqa: E731
            dc, xc, kc, *CONV_ARGS, True, False)
        ref = cols @ kmat
        check(f"{name} forward", np.asarray(fwd()).reshape(m, cout), ref)
        check(f"{name} kernel gradient", np.asarray(bk()[1]).reshape(kk, cout),
              cols.T @ dout.astype(np.float64))
        colc = _C.from_numpy(np.ascontiguousarray(cols, dtype=np.float32))
        kmc = _C.from_numpy(np.ascontiguousarray(kmat, dtype=np.float32))
        gc = _C.from_numpy(dout)
        flop = 2 * m * kk * cout
        in_b, out_b, k_b = 4 * x.size, 4 * dout.size, 4 * kern.size
        cases.append((name, "forward", flop, in_b + out_b + k_b, fwd,
                      lambda colc=colc, kmc=kmc: _C.matmul(colc, kmc)))
        if fused:
            fz = lambda xc=xc, kc=kc, bc=bc: _C.conv_forward_fused(  # noqa: E731
                xc, kc, bc, "relu", 0.0, *CONV_ARGS)
            check(f"{name} fused forward", np.asarray(fz()[0]).reshape(m, cout),
                  np.maximum(ref + bias, 0))
            # The unfused chain as the eager layer ran it: conv, bias add, relu.
            chain = lambda xc=xc, kc=kc, bc=bc: _C.activation_forward(_C.add(  # noqa: E731
                _C.conv_forward(xc, kc, *CONV_ARGS), bc), "relu")
            cases.append((name, "fwd+bias+relu fused", flop, in_b + out_b + k_b, fz, chain))
        if need_dx:
            dcols = (dout.astype(np.float64) @ kmat.T).reshape(BATCH, ho, wo, K, K, c)
            dref = np.zeros((BATCH, h, w, c))
            for i in range(K):  # col2im: scatter-add every window position back
                for j in range(K):
                    dref[:, i:i + ho, j:j + wo] += dcols[:, :, :, i, j]
            check(f"{name} input gradient", np.asarray(bi()[0]), dref)
            cases.append((name, "bwd-input", flop, in_b + out_b + k_b, bi,
                          lambda gc=gc, kmc=kmc: _C.matmul(gc, kmc, False, True)))
        cases.append((name, "bwd-kernel", flop, in_b + out_b + k_b, bk,
                       lambda colc=colc, gc=gc: _C.matmul(colc, gc, True, False)))
    return cases


def pool_cases(_C, rng):
    cases = []
    for name, (h, w, c) in POOLS:
        x = rng.standard_normal((BATCH, h, w, c), dtype=np.float32)
        oh, ow = h // 2, w // 2
        xc = _C.from_numpy(x)
        out, idx = _C.max_pool_forward(xc, [2, 2], [2, 2], [0, 0], [0, 0])
        win = x[:, :2 * oh, :2 * ow].reshape(BATCH, oh, 2, ow, 2, c)
        check(f"{name} forward", np.asarray(out), win.max(axis=(2, 4)).astype(np.float64))
        dout = rng.standard_normal((BATCH, oh, ow, c), dtype=np.float32)
        dc = _C.from_numpy(dout)
        win = ([2, 2], [2, 2], [0, 0], [0, 0])  # pool, strides, pads, as the layer's op
        dx = np.asarray(_C.max_pool_backward(dc, idx, [BATCH, h, w, c], *win))
        dwin = dx[:, :2 * oh, :2 * ow].reshape(BATCH, oh, 2, ow, 2, c)
        check(f"{name} backward", dwin.sum(axis=(2, 4)), dout.astype(np.float64))
        traffic = 4 * (x.size + 2 * dout.size)  # x in; out and argmax out (or back in)
        cases.append((name, "forward", 0, traffic,
                      lambda xc=xc: _C.max_pool_forward(xc, [2, 2], [2, 2], [0, 0], [0, 0]),
                      None))
        cases.append((name, "backward", 0, traffic,
                      lambda dc=dc, idx=idx, s=[BATCH, h, w, c]: _C.max_pool_backward(
                          dc, idx, s, *win), None))
    return cases


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--samples", type=int, default=15)
    p.add_argument("--fused", action="store_true")
    p.add_argument("--no-peak", action="store_true", help="skip the 2048^3 sgemm peak")
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args()
    import pyfastfit
    from pyfastfit import _C

    if args.threads:
        pyfastfit.config.set_num_threads(args.threads)
    threads = pyfastfit.config.get_num_threads()
    rng = np.random.default_rng(0)
    rows = []
    for layer, kind, flop, nbytes, fn, ref in conv_cases(_C, rng, args.fused) + \
            pool_cases(_C, rng):
        t = best_time(fn, args.samples)
        tr = best_time(ref, args.samples) if ref is not None else None
        rows.append(dict(layer=layer, op=kind, gflop=flop / 1e9, kernel_s=t, ref_s=tr,
                         gflops=flop / t / 1e9, gbs=nbytes / t / 1e9,
                         ref_gflops=flop / tr / 1e9 if tr else None))
    peak = {} if args.no_peak else {n: harness.measure_peak_gflops(n) for n in (1, threads)}
    print(f"# W3 kernels, batch {BATCH}, {threads} thread(s), load avg "
          f"{os.getloadavg()[0]:.2f}; validated against NumPy float64; peak sgemm "
          + ", ".join(f"{v:.1f} GFLOP/s ({n} thr)" for n, v in peak.items()) + "\n")
    print("| layer | pass | time | GFLOP/s | GB/s | same-shape GEMM (or unfused chain) | "
          "its GFLOP/s | kernel / GEMM rate |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        conv = r["gflop"] > 0
        ref = (f"{r['ref_s'] * 1e3:.2f} ms | {r['ref_gflops']:.1f} | "
               f"{r['gflops'] / r['ref_gflops']:.2f}") if r["ref_s"] else "- | - | -"
        print(f"| {r['layer']} | {r['op']} | {r['kernel_s'] * 1e3:.2f} ms | "
              f"{r['gflops']:.1f} | {r['gbs']:.1f} | {ref} |" if conv else
              f"| {r['layer']} | {r['op']} | {r['kernel_s'] * 1e3:.2f} ms | - | "
              f"{r['gbs']:.1f} | {ref} |")
    if not args.no_save:
        date = datetime.datetime.now(datetime.timezone.utc)
        path = os.path.join(BENCH, "results", f"{date:%Y-%m-%d}-conv-kernels.json")
        with open(path, "w") as f:
            json.dump({"date_utc": date.isoformat(timespec="seconds"),
                       "commit": harness.git_commit(ROOT), "threads": threads,
                       "load_avg_1m": os.getloadavg()[0], "peak_sgemm_gflops": peak,
                       "machine": harness.machine_description(),
                       "openblas_env": {v: os.environ.get(v) for v in
                                        ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
                       "rows": rows}, f, indent=1)
        print(f"\nwrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
