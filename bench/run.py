"""Benchmark driver: pyfastfit against Keras 3 (TensorFlow and JAX backends) and PyTorch.

    python bench/run.py --workload mlp --impl all
    python bench/run.py --workload all --impl keras,keras-jax,torch --epochs 3
    python bench/run.py --workload all --impl all --epochs 1 --quick   # smoke test

Each implementation runs in its own subprocess, back to back, on the same seeded data
(bench/workloads.py). pyfastfit runs under this interpreter; the peers under
--peer-python (default /work/venvs/peers/bin/python), and a peer that cannot be imported
there is skipped with a note. Prints one table per workload (every implementation's time,
its ratio to the fastest peer and to each peer), then a summary (per workload: the fastest
peer against both pyfastfit columns, `pyfastfit` with OpenBLAS choosing its kernels and
`pyfastfit-pinned`), and writes bench/results/<date>-<workload>.json with the machine
description.

Roofline: GEMM FLOPs of the timed unit (bench/workloads.py:flops) / peak fp32 GEMM rate,
where the peak is NumPy's OpenBLAS sgemm 2048^3 on ONE thread times the core count.
"""

import argparse
import datetime
import json
import os
import subprocess
import sys

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
sys.path.insert(0, BENCH)
import harness  # noqa: E402
import workloads  # noqa: E402

DEFAULT_PEER_PYTHON = "/work/venvs/peers/bin/python"
# impl -> (script, extra args, which python, which peer package must import)
IMPLS = {
    "pyfastfit": ("keras_like.py", ["--backend", "pyfastfit"], "self", None),
    "pyfastfit-pinned": ("keras_like.py", ["--backend", "pyfastfit"], "self", None),
    "pyfastfit-eager": ("keras_like.py", ["--backend", "pyfastfit", "--eager"], "self", None),
    # W5 with the step in pyfastfit.function (the counterpart of keras-tf.function / jax.jit)
    "pyfastfit-function": ("keras_like.py", ["--backend", "pyfastfit", "--tf-function"],
                           "self", None),
    "pyfastfit-function-pinned": ("keras_like.py",
                                  ["--backend", "pyfastfit", "--tf-function"], "self", None),
    "keras": ("keras_like.py", ["--backend", "keras"], "peer", "keras"),
    "keras-tf.function": ("keras_like.py", ["--backend", "keras", "--tf-function"], "peer",
                          "keras"),
    "keras-jax": ("keras_like.py", ["--backend", "keras-jax"], "peer", "keras, jax"),
    "torch": ("torch_impl.py", [], "peer", "torch"),
}
# The implementations pyfastfit is measured against ("fastest peer" = the lowest median).
PEERS = ("keras", "keras-jax", "keras-tf.function", "torch")
OURS = ("pyfastfit", "pyfastfit-pinned")
# OpenBLAS kernel selection per implementation (None = unset in its subprocess; an impl not
# listed keeps the machine's environment). The dev machines pin AVX2 kernels and a 512 KB
# L2 in their environment; users' machines do not, so `pyfastfit` runs with both unset
# (OpenBLAS picks this CPU's own kernels) and `pyfastfit-pinned` with the pinned values.
BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
UNPINNED = dict.fromkeys(BLAS_VARS)
IMPL_ENV = {
    "pyfastfit": UNPINNED,
    "pyfastfit-eager": UNPINNED,
    "pyfastfit-pinned": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"},
    "pyfastfit-function": UNPINNED,
    "pyfastfit-function-pinned": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"},
    # Keras 3 on JAX with its defaults (fit/evaluate/predict jit-compiled); keras_like.py
    # sets the backend itself too, this keeps the subprocess environment truthful.
    "keras-jax": {"KERAS_BACKEND": "jax"},
}


def impls_for(workload, requested):
    kind = workloads.WORKLOADS[workload]["kind"]
    out = []
    for name in requested:
        if name in ("keras-tf.function", "pyfastfit-function",
                    "pyfastfit-function-pinned") and kind != "custom_loop":
            continue
        if name == "pyfastfit-eager" and kind == "custom_loop":
            # the custom GradientTape loop's "pyfastfit" row is the eager loop already
            continue
        out.append(name)
    return out


def peer_available(python, module, cache={}):
    key = (python, module)
    if key not in cache:
        try:
            r = subprocess.run([python, "-c", f"import {module}"], capture_output=True,
                               text=True, timeout=120)
            cache[key] = (r.returncode == 0, r.stderr.strip().splitlines()[-1:] or [""])
        except (OSError, subprocess.TimeoutExpired) as e:
            cache[key] = (False, [str(e)])
    return cache[key]


def run_impl(name, workload, epochs, peer_python, timeout, quick=False):
    script, extra, which, module = IMPLS[name]
    python = sys.executable if which == "self" else peer_python
    if module is not None:
        ok, why = peer_available(python, module)
        if not ok:
            return {"status": "skipped", "why": f"`import {module}` failed under {python}: "
                    f"{why[0]}"}
    cmd = [python, os.path.join(BENCH, "impls", script), "--workload", workload,
           "--epochs", str(epochs), *extra, *(["--quick"] if quick else [])]
    env = dict(os.environ, PYTHONPATH=ROOT, TF_CPP_MIN_LOG_LEVEL="3",
               KERAS_BACKEND="tensorflow")
    for var, value in IMPL_ENV.get(name, {}).items():
        if value is None:
            env.pop(var, None)
        else:
            env[var] = value
    load_before = os.getloadavg()[0]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env,
                           cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "why": f"timed out after {timeout} s"}
    for line in r.stdout.splitlines():
        if line.startswith(harness.RESULT_PREFIX):
            res = json.loads(line[len(harness.RESULT_PREFIX):])
            res["status"] = "ok"
            res["loadavg_1min_before"] = load_before
            return res
    tail = (r.stderr.strip().splitlines() or ["(no output)"])[-1]
    return {"status": "failed", "why": f"exit {r.returncode}: {tail}"}


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:.1f} us"
    return f"{s * 1e3:.1f} ms" if s < 1 else f"{s:.2f} s"


def unit_of(workload):
    if workloads.WORKLOADS[workload].get("per_step"):
        return "step"
    kind = workloads.WORKLOADS[workload]["kind"]
    return {"fit": "epoch", "custom_loop": "epoch", "sweep": "sweep"}.get(kind, "call")


def fastest_peer(results):
    """(name, median seconds) of the fastest peer that ran, or None."""
    ok = [(results[p]["median_s"], p) for p in PEERS
          if results.get(p, {}).get("status") == "ok"]
    return (min(ok)[1], min(ok)[0]) if ok else None


def table(workload, results, peak_gflops):
    w = workloads.WORKLOADS[workload]
    fl = workloads.flops(workload)
    roof = fl / (peak_gflops * 1e9)
    unit = unit_of(workload)
    lines = [f"## {workload}: {w['label']}",
             f"GEMM FLOPs per {unit}: {fl / 1e9:.2f} GFLOP; peak {peak_gflops:.0f} GFLOP/s "
             f"-> roofline {fmt_time(roof)} per {unit}", ""]
    peers = [p for p in PEERS if results.get(p, {}).get("status") == "ok"]
    fastest = fastest_peer(results)
    head = ["impl", f"s/{unit} (median)", "best", "samples/s",
            f"vs fastest peer ({fastest[0] if fastest else 'none'})",
            *[f"vs {p}" for p in peers],
            "% roofline", "peak RSS MB", "peak - RSS after data", "load before/after"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    for name, res in results.items():
        if res["status"] != "ok":
            lines.append(f"| {name} | {res['status']}: {res['why']} |")
            continue
        t = res["median_s"]
        ratios = [f"{results[p]['median_s'] / t:.2f}x" for p in peers]
        lines.append("| " + " | ".join([
            name, fmt_time(t), fmt_time(min(res["times_s"])),
            f"{workloads.samples(workload) / t:,.0f}",
            f"{fastest[1] / t:.2f}x" if fastest else "-", *ratios,
            f"{100 * roof / t:.1f}%", f"{res['maxrss_mb']:.0f}",
            f"{res['maxrss_mb'] - res['rss_after_data_mb']:+.0f}"
            if res.get("rss_after_data_mb") else "?",
            f"{res['loadavg_1min_before']:.1f}/{res['loadavg_at_end'][0]:.1f}"]) + " |")
    for impl, targets in (("pyfastfit", workloads.TARGETS),
                          ("pyfastfit-pinned", workloads.PINNED_TARGETS)):
        lines += target_lines(impl, targets.get(workload, {}), results, roof)
    lines.append("")
    for name, res in results.items():
        if name.startswith("pyfastfit") and res["status"] == "ok":
            lines.append(f"{name}: fast_path_reason = {res.get('fast_path_info', '?')} "
                         f"(None = C++ fast path); OpenBLAS env {res.get('openblas_env')}, "
                         f"kernels {res.get('openblas_core')}")
    lines.append("")
    lines.append(f"(ratios of the medians: peer time / this time, >1 = faster than the peer; "
                 f"fastest peer = the lowest median among {', '.join(PEERS)}; "
                 f"best = fastest timed {unit}; peak - RSS after data = memory the framework "
                 f"added after its imports and the {workloads.data_mb(workload):.0f} MB of "
                 f"arrays (a lower bound); times are medians of the timed {unit}s after one "
                 f"warm-up {unit}; samples/s counts "
                 f"{workloads.samples(workload):,} samples per {unit}; load = 1-minute load "
                 f"average of the machine ({os.cpu_count()} cores) before/after the run)")
    return "\n".join(lines)


def summary(all_results, peak_gflops):
    """One row per workload: the fastest peer against both pyfastfit columns."""
    head = ["workload", "unit", "fastest peer", "its median"]
    for impl in OURS:
        head += [impl, "vs fastest peer", "% roofline"]
    lines = ["## Summary: pyfastfit against the fastest peer",
             f"(peers: {', '.join(PEERS)}; `pyfastfit` runs with OPENBLAS_CORETYPE and "
             f"OPENBLAS_L2_SIZE unset, `pyfastfit-pinned` with {IMPL_ENV['pyfastfit-pinned']}; "
             f"for custom_loop both columns are the step in pyfastfit.function; "
             f"ratio = fastest peer's median / ours, >1 = we are faster)", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for workload, results in all_results.items():
        fastest = fastest_peer(results)
        roof = workloads.flops(workload) / (peak_gflops * 1e9)
        row = [workload, unit_of(workload), fastest[0] if fastest else "none ran",
               fmt_time(fastest[1]) if fastest else "-"]
        for impl in OURS:
            res = results.get(impl)
            if unit_of(workload) == "epoch" and \
                    workloads.WORKLOADS[workload]["kind"] == "custom_loop":
                # W5's compiled row: the step in pyfastfit.function, as the peers' jit
                res = results.get(impl.replace("pyfastfit", "pyfastfit-function"), res)
            if res is None or res["status"] != "ok":
                row += [res["status"] if res else "not run", "-", "-"]
                continue
            t = res["median_s"]
            row += [fmt_time(t), f"{fastest[1] / t:.2f}x" if fastest else "-",
                    f"{100 * roof / t:.1f}%"]
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def target_lines(impl, target, results, roof):
    ours = results.get(impl, {})
    lines = []
    if target and ours.get("status") == "ok":
        checks = []
        for peer, want in target.items():
            if peer == "roofline_x":
                got = ours["median_s"] / roof
                checks.append(f"{got:.1f}x roofline (target <= {want}x) "
                              f"{'met' if got <= want else 'NOT met'}")
            elif results.get(peer, {}).get("status") == "ok":
                got = results[peer]["median_s"] / ours["median_s"]
                checks.append(f"{got:.2f}x vs {peer} (target >= {want}x) "
                              f"{'met' if got >= want else 'NOT met'}")
        if checks:
            lines.append("")
            lines.append(f"Issue targets for {impl}: " + "; ".join(checks))
    return lines


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--workload", default="mlp",
                   help=f"one of {sorted(workloads.WORKLOADS)} (comma-separated) or all")
    p.add_argument("--impl", default="all",
                   help=f"comma-separated from {list(IMPLS)} or all")
    p.add_argument("--epochs", type=int, default=3,
                   help="timed epochs (or evaluate/predict calls) after one warm-up")
    p.add_argument("--rounds", type=int, default=1,
                   help="run every implementation this many times, interleaved, and keep "
                        "each one's run with the lowest median (shared machines)")
    p.add_argument("--peer-python", default=os.environ.get("PFF_PEER_PYTHON",
                                                           DEFAULT_PEER_PYTHON))
    p.add_argument("--timeout", type=int, default=900, help="seconds per implementation")
    p.add_argument("--no-save", action="store_true", help="do not write the JSON")
    p.add_argument("--peak-gflops", type=float, default=None,
                   help="skip the peak measurement and use this value")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: tiny sample counts in every implementation "
                        "(workloads.set_quick); implies --no-save, times mean nothing")
    args = p.parse_args()
    if args.quick:
        workloads.set_quick()
        args.no_save = True

    names = list(workloads.WORKLOADS) if args.workload == "all" else args.workload.split(",")
    for n in names:
        if n not in workloads.WORKLOADS:
            p.error(f"unknown workload {n!r}; expected one of {sorted(workloads.WORKLOADS)}")
    requested = list(IMPLS) if args.impl == "all" else args.impl.split(",")
    for n in requested:
        if n not in IMPLS:
            p.error(f"unknown impl {n!r}; expected one of {list(IMPLS)}")

    machine = harness.machine_description()
    if args.peak_gflops:
        single, peak, how = None, args.peak_gflops, "given with --peak-gflops"
    else:
        single = harness.measure_peak_gflops(threads=1)
        peak = single * os.cpu_count()
        how = (f"NumPy/OpenBLAS sgemm 2048^3, 1 thread ({single:.1f} GFLOP/s) "
               f"x {os.cpu_count()} cores")
    print(f"# pyfastfit benchmark  ({machine.get('Model name', '?')}, {os.cpu_count()} cores,"
          f" load avg {machine['loadavg_at_start'][0]:.2f})")
    print(f"peak fp32 GEMM: {peak:.0f} GFLOP/s = {how}\n")
    commit = harness.git_commit(ROOT)
    date = datetime.datetime.now(datetime.timezone.utc)
    all_results = {}
    for workload in names:
        rounds = {name: [] for name in impls_for(workload, requested)}
        for r in range(args.rounds):
            for name in rounds:
                print(f"[{workload}] round {r + 1}/{args.rounds}: running {name} ...",
                      file=sys.stderr, flush=True)
                rounds[name].append(run_impl(name, workload, args.epochs,
                                             args.peer_python, args.timeout, args.quick))
        results = {}
        for name, runs in rounds.items():
            ok = [res for res in runs if res["status"] == "ok"]
            # The round with the lowest median (the least disturbed by other jobs).
            results[name] = dict(min(ok, key=lambda res: res["median_s"]) if ok else runs[0])
            if len(runs) > 1:
                results[name]["rounds"] = runs
        all_results[workload] = results
        print(table(workload, results, peak), flush=True)
        print()
        if not args.no_save:
            out = {
                "workload": workload, "label": workloads.WORKLOADS[workload]["label"],
                "date_utc": date.isoformat(timespec="seconds"), "commit": commit,
                "machine": machine, "peak_gflops": peak, "peak_single_thread_gflops": single,
                "peak_method": how, "gemm_flops": workloads.flops(workload),
                "roofline_s": workloads.flops(workload) / (peak * 1e9),
                "samples_per_unit": workloads.samples(workload), "epochs_timed": args.epochs,
                "rounds": args.rounds,
                "results": results,
            }
            os.makedirs(os.path.join(BENCH, "results"), exist_ok=True)
            path = os.path.join(BENCH, "results", f"{date:%Y-%m-%d}-{workload}.json")
            with open(path, "w") as f:
                json.dump(out, f, indent=1)
            print(f"wrote {os.path.relpath(path, ROOT)}", file=sys.stderr)
    print(summary(all_results, peak))
    if args.quick:
        print("\n(--quick: tiny sample counts, a smoke test of the harness; the times above "
              "are not benchmark results)")


if __name__ == "__main__":
    main()
