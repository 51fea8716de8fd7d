"""Winograd F(2x2, 3x3) against im2col + GEMM at W3's conv2 (13x13x32 -> 11x11x64, batch
128), interleaved A/B in one process (the machine is shared: only ratios mean anything).

    python bench/bench_winograd.py [--rounds 7] [--calls 20] [--shape N,H,W,C,O,padding]

Each round times --calls calls of each pass with Winograd on, then off (the order
alternates between rounds), after checking both against each other; prints per pass the
median and best per-call time of each and the median of the per-round ratios.
"""

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--shape", default="128,13,13,32,64,valid")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args()
    import pyfastfit
    from pyfastfit import _C

    if args.threads:
        pyfastfit.config.set_num_threads(args.threads)
    n, h, w, c, o, padding = args.shape.split(",")
    n, h, w, c, o = int(n), int(h), int(w), int(c), int(o)
    pad = 1 if padding == "same" else 0
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    rng = np.random.default_rng(0)
    x = _C.from_numpy(rng.standard_normal((n, h, w, c), dtype=np.float32))
    k = _C.from_numpy(rng.standard_normal((3, 3, c, o), dtype=np.float32) * 0.1)
    b = _C.from_numpy(rng.standard_normal(o, dtype=np.float32))
    d = _C.from_numpy(rng.standard_normal((n, oh, ow, o), dtype=np.float32))
    geo = ([1, 1], [pad, pad], [pad, pad], [1, 1])
    passes = {
        "forward (bias+relu)": lambda: _C.conv_forward_fused(x, k, b, "relu", 0.0, *geo)[0],
        "input gradient": lambda: _C.conv_backward(d, x, k, *geo, True, False)[0],
    }
    for name, fn in passes.items():
        _C._set_conv_winograd(True)
        a = np.asarray(fn())
        _C._set_conv_winograd(False)
        ref = np.asarray(fn())
        err = np.abs(a - ref).max() / max(np.abs(ref).max(), 1.0)
        assert err < 1e-5, (name, err)
    times = {(name, on): [] for name in passes for on in (True, False)}
    ratios = {name: [] for name in passes}
    for r in range(args.rounds):
        for name, fn in passes.items():
            per = {}
            for on in ((True, False) if r % 2 == 0 else (False, True)):
                _C._set_conv_winograd(on)
                fn()
                t0 = time.perf_counter()
                for _ in range(args.calls):
                    fn()
                per[on] = (time.perf_counter() - t0) / args.calls
                times[(name, on)].append(per[on])
            ratios[name].append(per[False] / per[True])
    _C._set_conv_winograd(True)
    print(f"# {args.shape}, {pyfastfit.config.get_num_threads()} thread(s), load avg "
          f"{os.getloadavg()[0]:.2f}, {args.rounds} rounds x {args.calls} calls")
    print("| pass | im2col median / best | Winograd median / best | speed-up (median of rounds) |")
    print("|---|---|---|---|")
    for name in passes:
        on, off = np.array(times[(name, True)]), np.array(times[(name, False)])
        print(f"| {name} | {np.median(off) * 1e3:.2f} / {off.min() * 1e3:.2f} ms | "
              f"{np.median(on) * 1e3:.2f} / {on.min() * 1e3:.2f} ms | "
              f"{np.median(ratios[name]):.2f}x |")


if __name__ == "__main__":
    main()
