"""convert_to_tensor on lists of tensors (`ops.sum(losses)`): stacked by ops, so the
tape differentiates through it and a pyfastfit.function capture replays it."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops

rng = np.random.default_rng(12)


def test_values_match_numpy_stack_nested_and_tuples():
    a, b = (rng.standard_normal((2, 3)).astype(np.float32) for _ in range(2))
    ta, tb = ops.convert_to_tensor(a), keras.Variable(b)
    got = ops.convert_to_tensor([ta, tb])
    assert got.shape == (2, 2, 3) and got.dtype == "float32"
    np.testing.assert_array_equal(got.numpy(), np.stack([a, b]))
    nested = ops.convert_to_tensor(((ta, tb), [tb, ta]))
    np.testing.assert_array_equal(nested.numpy(), np.array([[a, b], [b, a]]))
    size_one = ops.convert_to_tensor([ops.convert_to_tensor(np.float32(2.5))])
    assert size_one.shape == (1,) and float(size_one[0]) == 2.5
    as_int = ops.convert_to_tensor([ta, tb], dtype="int32")
    assert as_int.dtype == "int32"
    np.testing.assert_array_equal(as_int.numpy(), np.stack([a, b]).astype(np.int32))


def test_nan_and_inf_pass_through():
    t = ops.convert_to_tensor(np.array([np.nan, np.inf], np.float32))
    got = ops.convert_to_tensor([t, t]).numpy()
    assert np.isnan(got[:, 0]).all() and np.isinf(got[:, 1]).all()


def test_other_lists_convert_as_before():
    t = ops.convert_to_tensor(np.ones((2,), np.int32))
    f = ops.convert_to_tensor(np.full((2,), 0.5, np.float32))
    # Mixed dtypes, and tensors mixed with Python numbers, go through NumPy.
    np.testing.assert_array_equal(ops.convert_to_tensor([t, f]).numpy(),
                                  [[1, 1], [0.5, 0.5]])
    np.testing.assert_array_equal(
        ops.convert_to_tensor([ops.convert_to_tensor(np.float32(1)), 2.0]).numpy(), [1, 2])
    assert ops.convert_to_tensor([]).shape == (0,)
    with pytest.raises(ValueError, match="same shape"):
        ops.convert_to_tensor([f, ops.convert_to_tensor(np.ones((3,), np.float32))])


def test_sum_of_a_list_is_differentiated_like_numpy():
    w0 = rng.standard_normal((3,))

    def loss_np(w):
        return np.sum([np.sum(w ** 2), np.sum(3.0 * w), np.sum(np.sin(w))])

    w = keras.Variable(w0.astype(np.float32))
    with keras.GradientTape() as tape:
        loss = ops.sum([ops.sum(ops.square(w)), ops.sum(ops.multiply(w, 3.0)),
                        ops.sum(ops.sin(w))])
    (grad,) = tape.gradient(loss, [w])
    assert grad is not None
    eps = 1e-6
    numeric = np.array([(loss_np(w0 + eps * e) - loss_np(w0 - eps * e)) / (2 * eps)
                        for e in np.eye(3)])
    np.testing.assert_allclose(float(loss), loss_np(w0), rtol=1e-5)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-4, atol=1e-5)


def test_a_captured_step_with_a_list_sum_replays():
    @keras.function
    def f(a, b):
        return ops.sum([ops.square(a), ops.square(b)])

    for i in range(5):
        a, b = np.float32(i), np.float32(2 * i)
        assert float(f(np.array(a), np.array(b))) == a * a + b * b
    assert f.fallback_reason is None
