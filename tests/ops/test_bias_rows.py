"""Bias added to, and bias gradients summed over, many rows of a few columns (a conv's 3
filters, a Dense(1) head): the kernels walk those as one flat array in blocks of a
multiple of the row width, so every width, row count and tail is checked here against
NumPy float64, through the Dense and fused convolution ops both paths use."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from pyfastfit.ops._conv import conv_fused
from pyfastfit.ops._nn import dense

rng = np.random.default_rng(11)


def _bias_grad_and_output(fn, x, k, b):
    """(output, d sum(output * w) / d bias) with w random, by GradientTape."""
    bv = keras.Variable(b)
    out = np.asarray(fn(x, k, b))
    w = rng.standard_normal(out.shape).astype(np.float32)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.multiply(fn(x, k, bv), w))
    return out, np.asarray(tape.gradient(loss, bv)), w


# Widths whose blocks are 32 floats (1), 96 (3), 160 (5), 32 (32), 1056 (33: above the
# block limit, row by row), 40 * 4 = 160; row counts with and without a tail, and fewer
# rows than one block.
@pytest.mark.parametrize("units", [1, 3, 5, 32, 33, 40])
@pytest.mark.parametrize("rows", [1, 7, 64, 97, 1000])
def test_dense_bias_and_its_gradient_match_float64(units, rows):
    x = rng.standard_normal((rows, 6)).astype(np.float32)
    k = rng.standard_normal((6, units)).astype(np.float32)
    b = rng.standard_normal(units).astype(np.float32)
    out, db, w = _bias_grad_and_output(lambda x, k, b: dense(x, k, b), x, k, b)
    np.testing.assert_allclose(out, x.astype(np.float64) @ k + b, atol=1e-4, rtol=1e-5)
    np.testing.assert_allclose(db, w.astype(np.float64).sum(axis=0), atol=1e-3, rtol=1e-5)


@pytest.mark.parametrize("filters", [1, 3, 7])
def test_conv_bias_and_its_gradient_over_many_rows_match_float64(filters):
    # W4's shape: 30 x 30 outputs per sample, a few filters.
    x = rng.standard_normal((5, 32, 32, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, filters)).astype(np.float32) * 0.1
    b = rng.standard_normal(filters).astype(np.float32)
    out, db, w = _bias_grad_and_output(lambda x, k, b: conv_fused(x, k, b, "linear"),
                                       x, k, b)
    no_bias = np.asarray(conv_fused(x, k, None, "linear"), dtype=np.float64)
    np.testing.assert_allclose(out, no_bias + b, atol=1e-5)
    np.testing.assert_allclose(db, w.astype(np.float64).sum(axis=(0, 1, 2)), atol=1e-3,
                               rtol=1e-5)


def test_bias_gradient_keeps_nan_and_inf_in_their_column():
    x = np.ones((70, 2), np.float32)
    k = np.ones((2, 3), np.float32)
    b = np.zeros(3, np.float32)
    bv = keras.Variable(b)
    w = np.ones((70, 3), np.float32)
    w[13, 1] = np.nan
    w[69, 2] = np.inf
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.multiply(dense(x, k, bv), w))
    db = np.asarray(tape.gradient(loss, bv))
    assert db[0] == 70.0 and np.isnan(db[1]) and db[2] == np.inf
