"""Test helpers: forward checks against NumPy float64, and gradient checks by central
finite differences."""

import contextlib

import numpy as np

import pyfastfit as ff
from pyfastfit import ops
from pyfastfit.core._c import _C


def numeric_grad(f64, args, i, eps=1e-3):
    """d sum(f64(*args) * w) / d args[i] by central differences, in float64.

    `f64` is a NumPy float64 reference; the random weights `w` (fixed seed) make the
    check sensitive to every output element.
    """
    args = [np.array(a, dtype=np.float64) for a in args]
    out = np.asarray(f64(*args), dtype=np.float64)
    w = np.random.default_rng(0).standard_normal(out.shape)
    x = args[i]
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        x[idx] = old + eps
        up = np.sum(np.asarray(f64(*args)) * w)
        x[idx] = old - eps
        down = np.sum(np.asarray(f64(*args)) * w)
        x[idx] = old
        g[idx] = (up - down) / (2 * eps)
    return g, w


def grad_check(fn, ref, x, atol=2e-3, rtol=2e-3):
    """Tape gradient of sum(fn(x) * w) vs central differences of the float64 reference
    (one float argument; `check_op` handles several)."""
    x = np.asarray(x, np.float32)
    num, w = numeric_grad(ref, [x], 0)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = fn(v)
    assert y.shape == np.shape(ref(x.astype(np.float64)))
    g = tape.gradient(y, v, output_gradients=np.asarray(w, np.float32).reshape(y.shape))
    assert g is not None
    np.testing.assert_allclose(np.asarray(g), num, atol=atol, rtol=rtol)


def check_op(fn, ref, args, atol=1e-5, rtol=1e-5, grad=True, grad_atol=2e-3,
             grad_rtol=2e-3, grad_args=None):
    """Checks `fn` (pyfastfit, float32) against `ref` (NumPy, float64).

    Forward: values and shape. Backward (when `grad`): the tape's gradient of
    sum(fn(*args) * w) against `numeric_grad` for each float argument (or the indices in
    `grad_args`).
    """
    args32 = [np.asarray(a, dtype=np.float32) if np.asarray(a).dtype.kind == "f" else np.asarray(a)
              for a in args]
    out = fn(*args32)
    expected = ref(*[a.astype(np.float64) if a.dtype.kind == "f" else a for a in args32])
    out_np = np.asarray(out)
    assert out_np.shape == np.shape(expected), (out_np.shape, np.shape(expected))
    np.testing.assert_allclose(out_np, expected, atol=atol, rtol=rtol)
    if not grad:
        return
    idxs = grad_args if grad_args is not None else [
        k for k, a in enumerate(args32) if a.dtype.kind == "f"]
    for i in idxs:
        num, w = numeric_grad(ref, args32, i)
        vars_ = [ff.Variable(a) if k == i else a for k, a in enumerate(args32)]
        with ff.GradientTape() as tape:
            y = fn(*vars_)
            loss = ops.sum(ops.multiply(y, w.astype(np.float32)))
        g = tape.gradient(loss, vars_[i])
        assert g is not None, f"no gradient for argument {i}"
        np.testing.assert_allclose(np.asarray(g), num, atol=grad_atol, rtol=grad_rtol,
                                   err_msg=f"gradient of argument {i}")


def run_in_threads(work, n=4, timeout=120.0):
    """Runs `work(k)` for k in range(n) on n threads started together (a barrier), and
    fails with every exception they raised, or if one is still running after `timeout`
    seconds (a hang)."""
    import threading

    barrier, errors = threading.Barrier(n), []

    def run(k):
        try:
            barrier.wait()
            work(k)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == [], errors


@contextlib.contextmanager
def no_host_access(what="the block"):
    """Fails when the block exports any tensor's buffer to Python (np.asarray of a
    Tensor, float(t), a NumPy view of a Variable...): `_C.host_access_count()` counts
    those exports on this thread. Work that passes runs as `_C` ops only, which a
    captured step can replay."""
    before = _C.host_access_count()
    yield
    n = _C.host_access_count() - before
    assert n == 0, f"{what} read or wrote tensor data from Python {n} time(s)."
