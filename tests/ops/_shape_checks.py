"""The forward-and-gradient check and the input shared by the shape and indexing op
tests (test_shape.py, test_shape_indexing.py)."""

import numpy as np

from tests.helpers import grad_check


def check(fn, ref, x, grad=True):
    x = np.asarray(x)
    out = fn(x.astype(np.float32) if x.dtype.kind == "f" else x)
    exp = ref(x)
    assert out.shape == np.shape(exp)
    np.testing.assert_allclose(np.asarray(out), exp, rtol=1e-6, atol=1e-7)
    if grad and x.dtype.kind == "f" and x.size:
        grad_check(fn, ref, x)


X = np.random.RandomState(0).standard_normal((3, 4, 5))
