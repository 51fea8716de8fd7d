"""Steadiness between processes, and the fixed cost of a step at batch 1 (issue 13, item 3).

    python bench/steady.py --workload mlp512 --procs 8      # W2's epoch in 8 fresh processes
    python bench/steady.py --workload mlp --procs 8         # W1's epoch (with validation)
    python bench/steady.py --batch1                          # W1's model, fit at batch 1
    python bench/steady.py --workload mlp512 --pinned ...    # OPENBLAS_CORETYPE=Haswell, L2 512

Each process builds the workload as bench/impls/keras_like.py does (same seeded data and
weights), runs one untimed epoch and `--epochs` timed ones (fit(epochs=1) each), and
reports its median epoch time with covariates: page offsets (mod 4096) of the input array
and of every weight and optimizer slot, whether the input array sits on huge pages, the
CPU each thread last ran on, and each thread's CPU time and context switches over the
timed epochs. The parent prints one line per process and the spread (max/min - 1).

--batch1: W1's model (784-64-64-10, RMSprop, sparse CE + accuracy) fit on 4,096 samples
at batch_size=1, time per step; beside it the same graph, loss, metric and optimizer on 8
features and 8 units, whose step is all fixed cost (its arithmetic is a few hundred
multiply-adds): W1's step minus that is W1's arithmetic.

Other options: --threads 1,0 (pool sizes, alternated), --trees A,B (source trees to import
pyfastfit from, alternated: an A/B of two builds under the same load), --copies N
(separately allocated copies of the model in each process, epochs interleaved).
Timings on a shared machine: read them with the "others' load" column.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
PINNED = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}


def _threads():
    """{tid: (last cpu, utime+stime ticks, voluntary, involuntary switches)}."""
    out = {}
    base = "/proc/self/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/comm") as f:
                name = f.read().strip()
            with open(f"{base}/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"{base}/{tid}/status") as f:
                st = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        # fields[0] is field 3 (state): cpu is field 39, utime/stime fields 14/15.
        out[int(tid)] = (name, int(fields[36]), int(fields[11]) + int(fields[12]),
                         int(st["voluntary_ctxt_switches"]),
                         int(st["nonvoluntary_ctxt_switches"]))
    return out


def _busy_ticks():
    """(non-idle, total) clock ticks of the whole machine so far (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(t) for t in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)


def _own_ticks():
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _huge_kb(addr, nbytes):
    """AnonHugePages (kB) of the mappings overlapping [addr, addr + nbytes)."""
    total, cur = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(v, 16) for v in head.split("-"))
                cur = lo < addr + nbytes and addr < hi
            elif cur and line.startswith("AnonHugePages:"):
                total += int(line.split()[1])
    return total


def _model(keras, name):
    import workloads
    sys.path.insert(0, os.path.join(BENCH, "impls"))
    from keras_like import build_model, compile_model
    w = workloads.WORKLOADS[name]
    keras.utils.set_random_seed(0)
    model = build_model(keras, w, name=name)
    compile_model(keras, model, name, False)
    return model, w


def child_epochs(args):
    sys.path.insert(0, args.tree or ROOT)
    sys.path.insert(0, BENCH)
    import pyfastfit as keras
    import workloads
    x, y, xv, yv = workloads.make_data()
    # --copies: separately allocated copies of the same model (same seed), their epochs
    # interleaved: if a process's speed came from where its buffers landed, the copies
    # would differ within the process.
    models = [_model(keras, args.workload) for _ in range(args.copies)]
    model, w = models[0]
    val = (xv, yv) if w["validation"] else None

    if int(args.threads):
        keras.config.set_num_threads(int(args.threads))
    cpu = []

    def epoch(m):
        t0, c0 = time.perf_counter(), time.thread_time()
        m.fit(x, y, batch_size=w["batch_size"], epochs=1, validation_data=val, verbose=0)
        cpu.append(time.thread_time() - c0)
        return time.perf_counter() - t0

    for m, _ in models:
        epoch(m)
        assert m._fast_path_reason is None, m._fast_path_reason
    cpu.clear()
    before = _threads()
    (busy0, total0), own0 = _busy_ticks(), _own_ticks()
    times = [epoch(models[i % len(models)][0]) for i in range(args.epochs * len(models))]
    (busy1, total1), own1 = _busy_ticks(), _own_ticks()
    after = _threads()
    others = (busy1 - busy0 - (own1 - own0)) / max(1, total1 - total0)
    tick = os.sysconf("SC_CLK_TCK")
    threads = {tid: dict(name=a[0], cpu=a[1], cpu_s=(a[2] - before.get(tid, a)[2]) / tick,
                         vol=a[3] - before.get(tid, a)[3], invol=a[4] - before.get(tid, a)[4])
               for tid, a in after.items()}
    busy = {t: v for t, v in threads.items() if v["cpu_s"] > 0.05 or t == os.getpid()}
    ptrs = {"x": x.ctypes.data}
    for v in model.weights:
        ptrs[v.path] = v._c.data_ptr()
    for v in model.optimizer.variables:
        if len(v.shape) == 2:
            ptrs["opt/" + v.path] = v._c.data_ptr()
    print(json.dumps(dict(
        median=statistics.median(times), times=times,
        main_cpu_median=statistics.median(cpu), others_load=others,
        copy_cpu_medians=[statistics.median(cpu[k::len(models)]) for k in range(len(models))],
        page_off={k: p % 4096 for k, p in ptrs.items()},
        x_huge_kb=_huge_kb(ptrs["x"], x.nbytes), x_mb=x.nbytes >> 20,
        threads=busy)))


def child_batch1(args):
    sys.path.insert(0, args.tree or ROOT)
    sys.path.insert(0, BENCH)
    import numpy as np
    import pyfastfit as keras
    import workloads
    n = args.samples
    x, y, _, _ = workloads.make_data(n_train=n, n_val=1)
    model, _ = _model(keras, "mlp")
    # The same graph, loss, metric and optimizer on 8 features and 8 units: its step is
    # all fixed cost (a few hundred multiply-adds of arithmetic).
    tiny = keras.Sequential([keras.Input((8,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(8, activation="relu"),
                             keras.layers.Dense(10, activation="softmax")])
    tiny.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                 loss=keras.losses.SparseCategoricalCrossentropy(),
                 metrics=[keras.metrics.SparseCategoricalAccuracy()])
    xt = np.ascontiguousarray(x[:, :8])

    def per_step(m, xx, reps):
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            m.fit(xx, y, batch_size=1, epochs=1, verbose=0)
            times.append((time.perf_counter() - t0) / n)
        return statistics.median(times)

    for m, xx in ((model, x), (tiny, xt)):
        per_step(m, xx, 1)
        assert m._fast_path_reason is None, m._fast_path_reason
    (busy0, total0), own0 = _busy_ticks(), _own_ticks()
    one, fixed = per_step(model, x, args.epochs), per_step(tiny, xt, args.epochs)
    (busy1, total1), own1 = _busy_ticks(), _own_ticks()
    others = (busy1 - busy0 - (own1 - own0)) / max(1, total1 - total0)
    print(json.dumps(dict(step_b1_us=one * 1e6, tiny_step_b1_us=fixed * 1e6, samples=n,
                          others_load=others)))


def parent(args):
    env = dict(os.environ)
    for k in PINNED:
        env.pop(k, None)
    if args.pinned:
        env.update(PINNED)
    # Every (tree, pool size) configuration, interleaved: each sees the same load.
    configs = [(t, n) for t in (args.trees.split(",") if args.trees else [""])
               for n in args.threads.split(",")]
    rows = {c: [] for c in configs}
    mode = "--child-batch1" if args.batch1 else "--child"
    for i in range(args.procs * len(configs)):
        tree, nt = configs[i % len(configs)]
        label = (os.path.basename(tree.rstrip("/")) or "this tree") + (
            f", {nt} threads" if nt != "0" else "")
        cmd = [sys.executable, os.path.abspath(__file__), mode, "--workload", args.workload,
               "--threads", nt, "--tree", tree, "--copies", str(args.copies),
               "--epochs", str(args.epochs), "--samples", str(args.samples)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows[(tree, nt)].append(r)
        if args.batch1:
            print(f"proc {i} ({label}): W1 step at batch 1 {r['step_b1_us']:.1f} us, the same "
                  f"graph on 8 features (fixed cost) {r['tiny_step_b1_us']:.1f} us (others' load "
                  f"{r['others_load']:.0%})", flush=True)
            continue
        th = " ".join(f"{v['name']}@cpu{v['cpu']}:{v['cpu_s']:.2f}s/v{v['vol']}/i{v['invol']}"
                      for v in r["threads"].values())
        offs = sorted(set(r["page_off"].values()))
        print(f"proc {i} ({label}): median {r['median'] * 1e3:7.1f} ms (main thread cpu "
              f"{r['main_cpu_median'] * 1e3:.0f} ms, others' load {r['others_load']:.0%})  "
              f"[{' '.join(f'{t * 1e3:.0f}' for t in r['times'])}]  "
              + (f"copies' cpu {' '.join(f'{t * 1e3:.0f}' for t in r['copy_cpu_medians'])}  "
                 if len(r["copy_cpu_medians"]) > 1 else "")
              + f"x%4096={r['page_off']['x']}"
              f" x_huge={r['x_huge_kb'] >> 10}/{r['x_mb']}MB  offsets={offs}  threads {th}",
              flush=True)
    keys = (["step_b1_us", "tiny_step_b1_us"] if args.batch1
            else ["median", "main_cpu_median"])
    for (tree, nt), rs in rows.items():
        label = (os.path.basename(tree.rstrip("/")) or "this tree") + (
            f", {nt} threads" if nt != "0" else "")
        for key in keys:
            vals = [r[key] for r in rs]
            print(f"{label} {key}: min {min(vals):.4g} median {statistics.median(vals):.4g} "
                  f"max {max(vals):.4g}  spread {max(vals) / min(vals) - 1:+.1%}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--workload", default="mlp512", choices=["mlp", "mlp512"])
    p.add_argument("--procs", type=int, default=8)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--copies", type=int, default=1,
                   help="separately allocated copies of the model per process, interleaved")
    p.add_argument("--samples", type=int, default=4096, help="--batch1: training samples")
    p.add_argument("--batch1", action="store_true")
    p.add_argument("--threads", default="0",
                   help="pool size, or several comma-separated, run alternately (0: default)")
    p.add_argument("--pinned", action="store_true")
    p.add_argument("--trees", default="", help="comma-separated source trees to import "
                   "pyfastfit from, run alternately (A/B); default: this one")
    p.add_argument("--tree", default="", help=argparse.SUPPRESS)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--child-batch1", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child_epochs(args)
    elif args.child_batch1:
        child_batch1(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
