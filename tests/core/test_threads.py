"""The thread pool behind parallel_for (csrc/core/threads.*): chunking, thread-count
changes, parallel == serial results, nested calls, several Python threads at once,
exceptions, fork safety and clean exit."""

import multiprocessing as mp
import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.core._c import _C
from tests.helpers import run_in_threads

HAS_PROC = os.path.isdir("/proc/self/task")


@pytest.fixture
def threads():
    """Sets the pool size for one test, restoring the old one after."""
    old = ff.config.get_num_threads()
    yield ff.config.set_num_threads
    ff.config.set_num_threads(old)


def _chunks(n, k):
    return [(n * c // k, n * (c + 1) // k) for c in range(k)]


def _os_threads():
    return len(os.listdir("/proc/self/task"))


def test_default_is_the_number_of_usable_cores():
    code = ("import os, pyfastfit as ff; "
            "print(ff.config.get_num_threads(), len(os.sched_getaffinity(0)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=os.path.dirname(os.path.dirname(ff.__file__)))
    got, cores = map(int, out.stdout.split())
    assert got == cores


@pytest.mark.parametrize("bad", [0, -3, 1025, 10**6])
def test_set_num_threads_rejects_bad_counts(bad, threads):
    with pytest.raises(ValueError, match="set_num_threads"):
        threads(bad)


def test_set_num_threads_round_trips(threads):
    for n in (1, 3, 2, 4):
        threads(n)
        assert ff.config.get_num_threads() == n


@pytest.mark.parametrize("nt", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("n,grain", [(1, 1), (5, 1), (7, 3), (100, 10), (1000, 1),
                                     (10, 100), (64, 64), (3, 0)])
def test_chunks_cover_the_range_once(threads, nt, n, grain):
    threads(nt)
    got = _C._parallel_probe(n, grain)
    k = min(nt, -(-n // max(grain, 1))) if n >= grain else 1
    if k <= 1:
        assert got == [(0, n, 0, False)]
    else:
        assert [(b, e) for b, e, _, _ in got] == _chunks(n, k)
        assert all(inside for _, _, _, inside in got)


def test_empty_range_calls_nothing(threads):
    threads(2)
    assert _C._parallel_probe(0, 1) == []


@pytest.mark.parametrize("nt", [2, 3])
def test_nested_calls_run_serially(threads, nt):
    threads(nt)
    got = _C._parallel_probe(10, 1, nested_n=50)
    assert [(b, e) for b, e, _, _ in got] == _chunks(10, nt)
    assert [nested for _, _, nested, _ in got] == [1] * nt


def test_exception_in_a_chunk_propagates_and_pool_survives(threads):
    threads(2)
    for at in (0, 99):  # the caller's first chunk, and the last one
        with pytest.raises(ValueError, match="probe chunk threw"):
            _C._parallel_probe(100, 1, throw_at=at)
    assert len(_C._parallel_probe(100, 1)) == 2


@pytest.mark.skipif(not HAS_PROC, reason="needs /proc to count threads")
def test_threads_start_lazily_and_follow_set_num_threads():
    code = """
import os
def count(): return len(os.listdir("/proc/self/task"))
base = count()
import pyfastfit as ff
from pyfastfit.core._c import _C
after_import = count()
res = [after_import - base]
for nt in (2, 4, 3, 1, 2):
    ff.config.set_num_threads(nt)
    _C._parallel_probe(100, 1)
    res.append(count() - after_import)
print(*res)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(ff.__file__)))
    imported, *workers = map(int, out.stdout.split())
    # Importing may load OpenBLAS (its own idle threads); parallel calls add nt - 1.
    assert workers == [1, 3, 2, 0, 1]
    del imported


def _ops_chain(x, w, b):
    z = ops.add(ops.matmul(x, w), b)
    y = ops.relu(z)
    return ops.sum(ops.multiply(y, y), axis=0), ops.softmax(z), ops.exp(ops.tanh(z))


@pytest.mark.parametrize("nt", [2, 3, 4])
def test_parallel_results_equal_serial(threads, nt):
    """What is guaranteed: the same thread count (and BLAS kernel) gives the same bits;
    another thread count moves GEMM block edges and reduction partials, so results agree
    to round-off only; elementwise kernels give the same bits for the same input at any
    thread count (each element is computed the same way whoever computes it)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 784)).astype(np.float32)
    w = rng.standard_normal((784, 257)).astype(np.float32) * 0.05
    b = rng.standard_normal(257).astype(np.float32)
    z = rng.standard_normal((300, 257)).astype(np.float32)
    threads(1)
    ref = [r.numpy() for r in _ops_chain(x, w, b)]
    ref_elementwise = ops.exp(ops.tanh(z)).numpy()
    threads(nt)
    got = [r.numpy() for r in _ops_chain(x, w, b)]
    again = [r.numpy() for r in _ops_chain(x, w, b)]
    for g, a in zip(got, again):
        np.testing.assert_array_equal(g, a)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(ops.exp(ops.tanh(z)).numpy(), ref_elementwise)


def test_many_python_threads_at_once(threads):
    threads(2)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128, 784)).astype(np.float32)
    w = rng.standard_normal((784, 300)).astype(np.float32) * 0.05
    b = rng.standard_normal(300).astype(np.float32)
    ref = [r.numpy() for r in _ops_chain(x, w, b)]
    def work(k):
        for i in range(25):
            if (i + k) % 2:
                got = [r.numpy() for r in _ops_chain(x, w, b)]
                for g, r in zip(got, ref):
                    np.testing.assert_allclose(g, r, rtol=1e-5, atol=1e-5)
            else:
                n = 1000 + 37 * k
                chunks = _C._parallel_probe(n, 1, nested_n=8)
                assert [(c[0], c[1]) for c in chunks] == _chunks(n, 2)

    run_in_threads(work)


def test_predict_from_several_threads(threads):
    threads(2)
    model = ff.Sequential([ff.Input((784,)), ff.layers.Dense(64, activation="relu"),
                           ff.layers.Dense(10)])
    x = np.random.default_rng(2).standard_normal((256, 784)).astype(np.float32)
    ref = model.predict(x, verbose=0)
    results = [None] * 4

    def work(k):
        for _ in range(5):
            results[k] = model.predict(x, verbose=0)

    run_in_threads(work)
    for r in results:
        np.testing.assert_allclose(r, ref, rtol=1e-5, atol=1e-5)


def _child_matmul(q):
    rng = np.random.default_rng(3)
    a = rng.standard_normal((256, 784)).astype(np.float32)
    b = rng.standard_normal((784, 512)).astype(np.float32)
    out = ops.matmul(a, b).numpy()
    probe = _C._parallel_probe(1000, 1, nested_n=4)
    q.put((float(np.abs(out - a.astype(np.float64) @ b).max()), len(probe)))


@pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")
@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy_parent"])
def test_fork_child_uses_its_own_pool(threads, busy):
    threads(2)
    ops.matmul(np.ones((256, 784), np.float32), np.ones((784, 512), np.float32))  # warm pool
    stop = threading.Event()

    def hammer():  # keeps the parent's pool busy, so fork may catch a job mid-flight
        while not stop.is_set():
            _C._parallel_probe(10_000, 1, nested_n=100)

    t = threading.Thread(target=hammer)
    if busy:
        t.start()
    ctx = mp.get_context("fork")
    try:
        for _ in range(3):
            q = ctx.Queue()
            p = ctx.Process(target=_child_matmul, args=(q,))
            p.start()
            p.join(timeout=60)
            if p.is_alive():
                p.kill()
                pytest.fail("forked child hung using the thread pool")
            assert p.exitcode == 0
            err, nchunks = q.get(timeout=5)
            assert err < 1e-2 and nchunks == 2
    finally:
        stop.set()
        if busy:
            t.join()


def test_interpreter_exits_cleanly_with_pool_running():
    # Workers are idle or asleep at exit; they are joined by a static destructor. (Not
    # tested: a daemon thread still inside a kernel at exit, which CPython ends with
    # pthread_exit whatever the pool does.)
    code = """
import threading
import numpy as np
import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.core._c import _C
ff.config.set_num_threads(3)
a = np.ones((256, 784), np.float32); b = np.ones((784, 512), np.float32)
assert float(ops.matmul(a, b).numpy()[0, 0]) == 784.0
def spin():
    for _ in range(200):
        _C._parallel_probe(100_000, 1)
t = threading.Thread(target=spin)
t.start()
ops.matmul(a, b)
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=os.path.dirname(os.path.dirname(ff.__file__)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
