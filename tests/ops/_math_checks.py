"""Random operands and the finite-difference gradient check shared by the elementwise
math tests (test_math.py, test_math_unary.py, test_math_operators.py)."""

import numpy as np

import pyfastfit as ff
from tests.helpers import numeric_grad


def _rand(shape, lo=-2.0, hi=2.0):
    return np.random.uniform(lo, hi, size=shape).astype(np.float32)


def _away_from_zero(shape):
    x = _rand(shape, 0.5, 2.0)
    return (x * np.where(np.random.rand(*shape) < 0.5, -1, 1)).astype(np.float32)


def grad_check(fn, ref, args, idxs=None, atol=2e-3, rtol=2e-3):
    """Tape gradient of fn(*args) (seeded with random output_gradients) vs central
    differences of the float64 reference."""
    args32 = [np.asarray(a) for a in args]
    if idxs is None:
        idxs = [k for k, a in enumerate(args32) if a.dtype.kind == "f"]
    for i in idxs:
        vars_ = [ff.Variable(a) if k == i else a for k, a in enumerate(args32)]
        with ff.GradientTape() as tape:
            y = fn(*vars_)
        if args32[i].size == 0 or y.size == 0:
            w = np.zeros(y.shape, np.float32)
            g = tape.gradient(y, vars_[i], output_gradients=w)
            assert g is None or g.shape == args32[i].shape
            continue
        num, w = numeric_grad(ref, args32, i)
        g = tape.gradient(y, vars_[i], output_gradients=w.astype(np.float32))
        assert g is not None, f"no gradient for argument {i}"
        assert g.shape == args32[i].shape
        np.testing.assert_allclose(np.asarray(g), num, atol=atol, rtol=rtol,
                                   err_msg=f"gradient of argument {i}")
