"""The forward-and-gradient check and the input shared by the shape and indexing op
tests (test_shape.py, test_shape_indexing.py)."""

import numpy as np

import pyfastfit as ff
from tests.helpers import numeric_grad


def grad_check(fn, ref, x, atol=2e-3, rtol=2e-3):
    """Tape gradient of sum(fn(x) * w) vs central differences of the float64 reference."""
    x = np.asarray(x, np.float32)
    num, w = numeric_grad(ref, [x], 0)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = fn(v)
    assert y.shape == np.shape(ref(x.astype(np.float64)))
    g = tape.gradient(y, v, output_gradients=np.asarray(w, np.float32).reshape(y.shape))
    assert g is not None
    np.testing.assert_allclose(np.asarray(g), num, atol=atol, rtol=rtol)


def check(fn, ref, x, grad=True):
    x = np.asarray(x)
    out = fn(x.astype(np.float32) if x.dtype.kind == "f" else x)
    exp = ref(x)
    assert out.shape == np.shape(exp)
    np.testing.assert_allclose(np.asarray(out), exp, rtol=1e-6, atol=1e-7)
    if grad and x.dtype.kind == "f" and x.size:
        grad_check(fn, ref, x)


X = np.random.RandomState(0).standard_normal((3, 4, 5))
