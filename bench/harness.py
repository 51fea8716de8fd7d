"""Shared timing helpers for the benchmark implementations and the driver.

NumPy and the standard library only (runs under every interpreter used by the bench).
"""

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

RESULT_PREFIX = "BENCH_RESULT "


def maxrss_mb():
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb():
    """Current resident memory of this process in MB (Linux /proc), or None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def time_calls(fn, repeats, warmup=1):
    """Calls `fn()` `warmup` times untimed, then `repeats` times; returns the times."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def emit(result):
    """Prints the one result line the driver reads (adds peak memory and interpreter)."""
    result = dict(result)
    result.setdefault("maxrss_mb", maxrss_mb())
    result.setdefault("python", sys.version.split()[0])
    result.setdefault("loadavg_at_end", os.getloadavg())
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def summarize(times, warmup_times=()):
    return {"times_s": list(times), "warmup_s": list(warmup_times),
            "median_s": statistics.median(times) if times else None,
            "best_s": min(times) if times else None}


# ------------------------------------------------------------------------- the machine
_PEAK_SNIPPET = r"""
import time, numpy as np
n = 2048
a = np.random.default_rng(0).random((n, n), dtype=np.float32)
b = np.random.default_rng(1).random((n, n), dtype=np.float32)
c = a @ b
best = min(( (lambda t0: (a @ b, time.perf_counter() - t0)[1])(time.perf_counter())
            for _ in range(5)))
print(2 * n ** 3 / best / 1e9)
"""


def measure_peak_gflops(threads=1):
    """fp32 GEMM rate of NumPy's OpenBLAS (2048^3 sgemm, best of 5) with `threads`
    BLAS threads, measured in a fresh interpreter so the thread count takes effect."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    out = subprocess.run([sys.executable, "-c", _PEAK_SNIPPET], env=env, check=True,
                         capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def machine_description():
    info = {"platform": platform.platform(), "python": sys.version.split()[0],
            "cores": os.cpu_count()}
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in lscpu.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "L2 cache",
                               "L3 cache", "Flags"):
                value = value.strip()
                if key.strip() == "Flags":
                    value = " ".join(f for f in value.split()
                                     if f in ("avx2", "fma", "avx512f"))
                info[key.strip()] = value
    except OSError:
        pass
    try:
        with open("/proc/meminfo") as f:
            info["MemTotal"] = f.readline().split(":")[1].strip()
    except OSError:
        pass
    info["loadavg_at_start"] = os.getloadavg()
    return info


def git_commit(repo):
    """Short HEAD of `repo` (+ "-dirty" when pyfastfit/ or csrc/ differ from it), or
    $PFF_BENCH_COMMIT when set (a run from a copy of the tree, which has no .git)."""
    if os.environ.get("PFF_BENCH_COMMIT"):
        return os.environ["PFF_BENCH_COMMIT"]
    try:
        out = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--",
                                "pyfastfit", "csrc"], capture_output=True,
                               text=True).stdout.strip()
        return out + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None
