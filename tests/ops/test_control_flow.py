"""Control-flow ops (cond, switch, while_loop, fori_loop, scan, map, associative_scan):
results, gradients through every iteration, structures, corners and errors."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops

X = np.arange(1.0, 7.0, dtype=np.float32).reshape(3, 2)


def test_gradient_flows_through_loops():
    v = ff.Variable(np.float32(1.5))
    with ff.GradientTape() as tape:
        out = ops.fori_loop(0, 3, lambda i, val: val * v, ops.convert_to_tensor(1.0))
    assert float(out) == pytest.approx(1.5 ** 3)
    assert float(tape.gradient(out, v)) == pytest.approx(3 * 1.5 ** 2)

    w = ff.Variable(X)
    with ff.GradientTape() as tape:
        carry, ys = ops.scan(lambda c, x: (c + x * x, c), ops.zeros((2,)), w)
        loss = ops.sum(carry) + ops.sum(ys)
    # carry = sum x^2; ys[i] = sum_{j<i} x_j^2: d/dx_j = 2 x_j (1 + number of later rows)
    want = 2 * X * np.array([[3.0], [2.0], [1.0]], np.float32)
    np.testing.assert_allclose(tape.gradient(loss, w).numpy(), want, rtol=1e-6)


def test_while_loop_structures_and_maximum_iterations():
    i, x = ops.while_loop(lambda i, x: i < 100, lambda i, x: (i + 1, x + 1.0), (0, 0.0),
                          maximum_iterations=5)
    assert (i, x) == (5, 5.0)
    lst = ops.while_loop(lambda a, b: a < 2, lambda a, b: [a + 1, b * 2], [0, 1])
    assert lst == [2, 4]
    assert ops.while_loop(lambda t: ops.sum(t) < 10, lambda t: t * 2,
                          ops.ones((2,))).numpy().tolist() == [8.0, 8.0]
    assert ops.while_loop(lambda i: False, lambda i: i + 1, 7) == 7


def test_scan_structures_reverse_and_length():
    carry, ys = ops.scan(lambda c, x: (c, {"a": x["a"] * 2, "b": x["b"]}), 0,
                         {"a": X, "b": X[:, 0]}, reverse=True)
    np.testing.assert_array_equal(ys["a"].numpy(), X * 2)
    np.testing.assert_array_equal(ys["b"].numpy(), X[:, 0])
    order = []
    ops.scan(lambda c, x: (order.append(float(x)) or c, None), 0, X[:, 0], reverse=True)
    assert order == [5.0, 3.0, 1.0]
    carry, ys = ops.scan(lambda c, _: (c + 1, c), 0, length=3)
    assert carry == 3 and ys.numpy().tolist() == [0, 1, 2]
    carry, ys = ops.scan(lambda c, x: (c, x), 0, np.zeros((0, 2), np.float32))
    assert carry == 0 and ys is None


def test_map_and_associative_scan():
    out = ops.map(lambda row: (row[0], row * 2), X)
    np.testing.assert_array_equal(out[0].numpy(), X[:, 0])
    np.testing.assert_array_equal(out[1].numpy(), X * 2)
    np.testing.assert_allclose(
        ops.associative_scan(lambda a, b: a * b, X, axis=0).numpy(), np.cumprod(X, 0))
    np.testing.assert_allclose(
        ops.associative_scan(lambda a, b: a + b, X, reverse=True, axis=1).numpy(),
        np.cumsum(X[:, ::-1], 1)[:, ::-1])
    pair = ops.associative_scan(lambda a, b: (a[0] + b[0], ops.maximum(a[1], b[1])),
                                (X[:, 0], X[::-1, 1]))
    np.testing.assert_array_equal(pair[0].numpy(), np.cumsum(X[:, 0]))
    np.testing.assert_array_equal(pair[1].numpy(), np.maximum.accumulate(X[::-1, 1]))


def test_cond_and_switch():
    assert ops.cond(ops.greater(ops.sum(X), 0), lambda: "pos", lambda: "neg") == "pos"
    assert ops.switch(-3, [lambda: "a", lambda: "b"]) == "a"  # clamped, as Keras
    assert ops.switch(ops.convert_to_tensor(np.int32(1)), [lambda: "a", lambda: "b"]) == "b"


def test_errors():
    with pytest.raises(ValueError, match="`pred` must be a scalar boolean"):
        ops.cond(X > 0, lambda: 1, lambda: 2)
    with pytest.raises(ValueError, match="`branches` must be a non-empty"):
        ops.switch(0, [])
    with pytest.raises(ValueError, match="scan: give `xs` or `length`"):
        ops.scan(lambda c, x: (c, x), 0)
    with pytest.raises(ValueError, match="scan: `length` must match.*Received: length=2"):
        ops.scan(lambda c, x: (c, x), 0, X, length=2)
    with pytest.raises(ValueError, match="same leading dimension"):
        ops.map(lambda x: x, (X, X[:2]))
    with pytest.raises(ValueError, match="same leading dimension"):
        ops.map(lambda x: x, ops.convert_to_tensor(1.0))
    with pytest.raises(ValueError, match="associative_scan: .*at least one dimension"):
        ops.associative_scan(lambda a, b: a + b, 1.0)
    with pytest.raises(ValueError, match="Cannot stack zero iterations"):
        ops.map(lambda x: x, np.zeros((0, 3), np.float32))
