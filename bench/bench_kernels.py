"""Kernel benchmark: pyfastfit's GEMM and fused Dense forward+backward vs NumPy.

Run from the repository root after `tools/dev_build.sh`:

    python bench/bench_kernels.py            # 1 thread and all threads
    python bench/bench_kernels.py --quick    # fewer samples

Each thread count runs in its own subprocess with OPENBLAS_NUM_THREADS set before
NumPy is imported, so NumPy's BLAS and pyfastfit's pool use the same number of cores.
Every kernel is validated against a float64 NumPy result first, then timed: warm-up,
then the median of N samples, each sample a loop long enough (~2 ms) to hide the timer.
Each thread count runs in `--runs` separate processes and the best median is kept: on a
shared machine another job occupying a core stalls a fork-join kernel for a whole
scheduler time slice, which says nothing about the kernel.

Peak is *measured*: the best GFLOP/s of a large single-threaded sgemm (ours or NumPy's,
sizes 1024^3 and 2048x1024x2048), times the number of threads. "% peak" is each row's
GFLOP/s over that. Results go to bench/results/kernels_<host>_<commit>.json.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (label, M, K, N, transpose_a, transpose_b): C(M,N) = op(A)(M,K) @ op(B)(K,N).
GEMM_SHAPES = [
    ("64x784 @ 784x64", 64, 784, 64, False, False),
    ("64x64 @ 64x64", 64, 64, 64, False, False),
    ("64x64 @ 64x10", 64, 64, 10, False, False),
    ("(64x784)^T @ 64x64", 784, 64, 64, True, False),
    ("64x64 @ (784x64)^T", 64, 64, 784, False, True),
    ("(64x64)^T @ 64x64", 64, 64, 64, True, False),
    ("(64x64)^T @ 64x10", 64, 64, 10, True, False),
    ("64x10 @ (64x10)^T", 64, 10, 64, False, True),
    ("1024^3", 1024, 1024, 1024, False, False),
]
# (label, B, IN, OUT, activation): the layers of an MNIST MLP at batch 64.
DENSE_SHAPES = [
    ("dense 64x784->64 relu", 64, 784, 64, "relu"),
    ("dense 64x64->64 relu", 64, 64, 64, "relu"),
    ("dense 64x64->10 linear", 64, 64, 10, "linear"),
]
PEAK_SHAPES = [(1024, 1024, 1024), (2048, 1024, 2048)]


def _timeit(fn, samples, min_sample_s=0.002):
    """Median seconds per call of fn over `samples` samples (after warm-up)."""
    for _ in range(3):
        fn()
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_sample_s:
        fn()
        reps += 1
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(reps):
            fn()
        times.append((time.perf_counter() - t0) / reps)
    times.sort()
    return times[len(times) // 2]


def _check(name, got, ref, rtol=1e-3, atol=1e-3):
    import numpy as np

    got = np.asarray(got, dtype=np.float64)
    if got.shape != ref.shape or not np.allclose(got, ref, rtol=rtol, atol=atol):
        err = np.max(np.abs(got - ref)) if got.shape == ref.shape else "shape"
        raise SystemExit(f"VALIDATION FAILED for {name}: max abs error {err}")


def worker(threads, samples):
    """Runs in a subprocess: benchmarks at `threads` threads, prints JSON rows."""
    import numpy as np

    import pyfastfit as ff
    from pyfastfit.core._c import _C

    ff.config.set_num_threads(threads)
    rng = np.random.default_rng(0)
    rows = []

    def gemm_case(M, K, N, ta, tb):
        a = rng.standard_normal((K, M) if ta else (M, K)).astype(np.float32)
        b = rng.standard_normal((N, K) if tb else (K, N)).astype(np.float32)
        ac, bc = _C.from_numpy(a), _C.from_numpy(b)
        an, bn = (a.T if ta else a), (b.T if tb else b)
        return ac, bc, an, bn

    if threads == 1:
        for M, K, N in PEAK_SHAPES:
            ac, bc, an, bn = gemm_case(M, K, N, False, False)
            flops = 2.0 * M * N * K
            t_ours = _timeit(lambda ac=ac, bc=bc: _C.matmul(ac, bc), max(5, samples // 3))
            time.sleep(0.2)
            t_np = _timeit(lambda an=an, bn=bn: np.matmul(an, bn), max(5, samples // 3))
            time.sleep(0.5)
            rows.append({"kind": "peak", "name": f"{M}x{K}x{N}", "threads": 1,
                         "ours_gflops": flops / t_ours / 1e9,
                         "numpy_gflops": flops / t_np / 1e9})

    cases = []  # (kind, name, flops, ours_fn, numpy_fn), validated before any timing
    for name, M, K, N, ta, tb in GEMM_SHAPES:
        ac, bc, an, bn = gemm_case(M, K, N, ta, tb)
        ref = an.astype(np.float64) @ bn.astype(np.float64)
        _check(name, _C.matmul(ac, bc, ta, tb), ref, atol=1e-3 * np.sqrt(K))
        _check(name + " (numpy)", np.matmul(an, bn), ref, atol=1e-3 * np.sqrt(K))
        cases.append(("gemm", name, 2.0 * M * N * K,
                      lambda ac=ac, bc=bc, ta=ta, tb=tb: _C.matmul(ac, bc, ta, tb),
                      lambda an=an, bn=bn: np.matmul(an, bn)))

    for name, B, IN, OUT, act in DENSE_SHAPES:
        x = rng.standard_normal((B, IN)).astype(np.float32)
        w = (rng.standard_normal((IN, OUT)) / np.sqrt(IN)).astype(np.float32)
        bias = rng.standard_normal(OUT).astype(np.float32) * 0.1
        dout = rng.standard_normal((B, OUT)).astype(np.float32)
        xc, wc, bc, gc = (_C.from_numpy(v) for v in (x, w, bias, dout))

        def ours(xc=xc, wc=wc, bc=bc, gc=gc, act=act):
            out, z = _C.dense_forward(xc, wc, bc, act, 0.0)
            return out, _C.dense_backward(gc, xc, wc, z, out, act, 0.0, True, True)

        def numpy_dense(x=x, w=w, bias=bias, dout=dout, act=act):
            z = x @ w + bias
            out = np.maximum(z, 0.0) if act == "relu" else z
            dz = dout * (out > 0) if act == "relu" else dout
            return out, (dz @ w.T, x.T @ dz, dz.sum(0))

        x64, w64, d64 = x.astype(np.float64), w.astype(np.float64), dout.astype(np.float64)
        z64 = x64 @ w64 + bias
        out64 = np.maximum(z64, 0.0) if act == "relu" else z64
        dz64 = d64 * (z64 > 0) if act == "relu" else d64
        refs = (out64, dz64 @ w64.T, x64.T @ dz64, dz64.sum(0))
        for impl, fn in (("ours", ours), ("numpy", numpy_dense)):
            out, (dx, dw, db) = fn()
            for part, got, ref in zip(("out", "dx", "dW", "db"), (out, dx, dw, db), refs):
                _check(f"{name} {part} ({impl})", got, ref, atol=1e-3 * np.sqrt(max(IN, B)))
        # forward GEMM + the two backward GEMMs
        cases.append(("dense", name, 3 * 2.0 * B * IN * OUT, ours, numpy_dense))

    cases += _memory_bound_cases(rng, np, _C)

    # Time each library in its own phase: a BLAS pool that just ran keeps spinning for
    # a while and would steal the cores from the other library's threads.
    times = {}
    for phase in (3, 4):
        time.sleep(0.5)
        for case in cases:
            times.setdefault(case[1], []).append(_timeit(case[phase], samples))
    for kind, name, flops, _, _ in cases:
        t_ours, t_np = times[name]
        rows.append({"kind": kind, "name": name, "threads": threads, "flops": flops,
                     "ours_us": t_ours * 1e6, "numpy_us": t_np * 1e6})
    print(json.dumps(rows))


def _memory_bound_cases(rng, np, _C):
    """Fused softmax cross-entropy (forward + backward) and one Adam step over the MLP's
    parameters, vs the same math in NumPy (memory-bound: time only, no GFLOP/s)."""
    from pyfastfit import optimizers
    from pyfastfit.core import Tensor, Variable

    cases = []
    B, C = 64, 10
    z = (rng.standard_normal((B, C)) * 3).astype(np.float32)
    y = rng.integers(0, C, B).astype(np.int64)
    g = np.full(B, 1.0 / B, np.float32)
    zc, yc, gc = _C.from_numpy(z), _C.from_numpy(y), _C.from_numpy(g)

    def ours_xent():
        loss, probs = _C.sparse_softmax_cross_entropy_forward(zc, yc)
        return loss, _C.sparse_softmax_cross_entropy_backward(probs, yc, gc)

    def numpy_xent():
        m = z.max(-1, keepdims=True)
        e = np.exp(z - m)
        s = e.sum(-1, keepdims=True)
        loss = (np.log(s) + m)[:, 0] - z[np.arange(B), y]
        d = e / s
        d[np.arange(B), y] -= 1.0
        return loss, d * g[:, None]

    z64 = z.astype(np.float64)
    ls = z64 - z64.max(-1, keepdims=True)
    ls -= np.log(np.exp(ls).sum(-1, keepdims=True))
    ref_d = np.exp(ls)
    ref_d[np.arange(B), y] -= 1.0
    for impl, fn in (("ours", ours_xent), ("numpy", numpy_xent)):
        loss, d = fn()
        _check(f"sparse xent loss ({impl})", loss, -ls[np.arange(B), y])
        _check(f"sparse xent grad ({impl})", d, ref_d / B)
    cases.append(("xent", "sparse softmax xent 64x10", None, ours_xent, numpy_xent))

    shapes = [(784, 64), (64,), (64, 64), (64,), (64, 10), (10,)]
    params = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) * 1e-2 for s in shapes]
    vars_ = [Variable(p, name=f"w{i}") for i, p in enumerate(params)]
    gts = [Tensor(gr) for gr in grads]
    opt = optimizers.Adam(1e-3)
    np_state = [[p.copy(), np.zeros_like(p), np.zeros_like(p)] for p in params]
    t = [0]

    def ours_adam():
        opt.apply_gradients(zip(gts, vars_))

    def numpy_adam():
        t[0] += 1
        alpha = 1e-3 * np.sqrt(1 - 0.999 ** t[0]) / (1 - 0.9 ** t[0])
        for (p, m, v), gr in zip(np_state, grads):
            m += (gr - m) * np.float32(0.1)
            v += (gr * gr - v) * np.float32(0.001)
            p -= m * np.float32(alpha) / (np.sqrt(v) + np.float32(1e-7))

    ours_adam()
    numpy_adam()
    for var, (p, _, _) in zip(vars_, np_state):
        _check("adam step", var.numpy(), p.astype(np.float64), rtol=1e-5, atol=1e-6)
    cases.append(("optim", "Adam step, MLP (55k params)", None, ours_adam, numpy_adam))
    return cases


def _machine():
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "host": platform.node(), "commit": commit,
            "python": platform.python_version()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="*", default=None,
                    help="thread counts to run (default: 1 and all cores)")
    ap.add_argument("--samples", type=int, default=21, help="timed samples per kernel")
    ap.add_argument("--runs", type=int, default=3,
                    help="worker processes per thread count; the best median is kept")
    ap.add_argument("--quick", action="store_true", help="7 samples per kernel, 2 runs")
    ap.add_argument("--out", default=None, help="JSON output path")
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    samples = 7 if args.quick else args.samples
    if args.worker is not None:
        worker(args.worker, samples)
        return
    threads = args.threads or sorted({1, os.cpu_count() or 1})
    runs = 2 if args.quick else max(1, args.runs)
    rows = []
    for t in threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t),
                   PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        best = {}
        for _ in range(runs):
            proc = subprocess.run([sys.executable, __file__, "--worker", str(t),
                                   "--samples", str(samples)], env=env,
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                sys.stderr.write(proc.stdout + proc.stderr)
                raise SystemExit(proc.returncode)
            for r in json.loads(proc.stdout.strip().splitlines()[-1]):
                key = (r["kind"], r["name"])
                if key not in best:
                    best[key] = r
                    continue
                for k in ("ours_us", "numpy_us"):
                    if k in r:
                        best[key][k] = min(best[key][k], r[k])
                for k in ("ours_gflops", "numpy_gflops"):
                    if k in r:
                        best[key][k] = max(best[key][k], r[k])
        rows += list(best.values())

    peaks = [r for r in rows if r["kind"] == "peak"]
    peak1 = max(max(r["ours_gflops"], r["numpy_gflops"]) for r in peaks) if peaks else None
    machine = _machine()
    print(f"pyfastfit kernel bench  |  {machine['cpu']}, {machine['cores']} cores, "
          f"commit {machine['commit']}")
    if peak1:
        best = max(peaks, key=lambda r: max(r["ours_gflops"], r["numpy_gflops"]))
        print(f"Measured peak: {peak1:.1f} GFLOP/s per thread = best single-threaded sgemm "
              f"(ours or NumPy's OpenBLAS, shapes {', '.join(r['name'] for r in peaks)}; "
              f"best at {best['name']}); peak for T threads = T x that.")
    print(f"Each time: median of {samples} samples in one process, best of {runs} processes "
          "(filters interference from other jobs on a shared machine).")
    print("GFLOP/s count GEMM flops only (2*M*N*K; dense fwd+bwd = 3 GEMMs); "
          "ratio = NumPy time / our time (> 1: we are faster); the cross-entropy and "
          "Adam rows are memory-bound (time only; Adam includes apply_gradients' Python).")
    hdr = (f"{'kernel':28s} {'thr':>3s} {'ours us':>9s} {'numpy us':>9s} {'ours GF/s':>9s} "
           f"{'numpy GF/s':>10s} {'ratio':>6s} {'% peak':>7s}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        if r["kind"] == "peak":
            continue
        r["ratio"] = r["numpy_us"] / r["ours_us"]
        if r["flops"]:
            g_ours = r["flops"] / r["ours_us"] / 1e3
            g_np = r["flops"] / r["numpy_us"] / 1e3
            r["ours_gflops"], r["numpy_gflops"] = g_ours, g_np
            r["pct_peak"] = 100.0 * g_ours / (peak1 * r["threads"]) if peak1 else None
            gf = f"{g_ours:9.1f} {g_np:10.1f}"
            pct = f"{r['pct_peak']:6.1f}%" if peak1 else "    n/a"
        else:
            gf, pct = f"{'-':>9s} {'-':>10s}", f"{'-':>7s}"
        print(f"{r['name']:28s} {r['threads']:3d} {r['ours_us']:9.1f} {r['numpy_us']:9.1f} "
              f"{gf} {r['ratio']:6.2f} {pct}")
    out = args.out or os.path.join(ROOT, "bench", "results",
                                   f"kernels_{machine['host']}_{machine['commit']}.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"machine": machine, "samples": samples, "runs": runs,
                   "peak_gflops_per_thread": peak1,
                   "rows": rows}, f, indent=1)
    print(f"wrote {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
