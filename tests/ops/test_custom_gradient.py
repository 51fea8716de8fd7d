"""ops.custom_gradient: the user's grad_fn replaces differentiation of the function."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops

X = np.array([-2.0, 0.0, 3.0], np.float32)


def test_grad_fn_replaces_the_ops_gradient():
    @ops.custom_gradient
    def clipped_identity(x):
        return ops.multiply(x, 1.0), lambda g: ops.clip(ops.multiply(g, 10.0), -1.0, 1.0)

    v = ff.Variable(X)
    with ff.GradientTape() as tape:
        y = clipped_identity(v)
        loss = ops.sum(ops.multiply(y, np.array([1.0, -0.05, 0.02], np.float32)))
    np.testing.assert_array_equal(y.numpy(), X)
    np.testing.assert_allclose(tape.gradient(loss, v).numpy(), [1.0, -0.5, 0.2], rtol=1e-6)


def test_keras_style_upstream_keyword_and_two_inputs():
    @ops.custom_gradient
    def mul(a, b):
        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, b), ops.multiply(upstream, a)
        return ops.multiply(a, b), grad

    a, b = ff.Variable(X), ff.Variable(X[::-1].copy())
    with ff.GradientTape() as tape:
        loss = ops.sum(mul(a, b))
    ga, gb = tape.gradient(loss, [a, b])
    np.testing.assert_array_equal(ga.numpy(), X[::-1])
    np.testing.assert_array_equal(gb.numpy(), X)


def test_multiple_outputs_and_unused_output():
    @ops.custom_gradient
    def split(x):
        def grad(ups):
            return ops.add(ops.multiply(ups[0], 2.0), ops.multiply(ups[1], 3.0))
        return (ops.multiply(x, 1.0), ops.multiply(x, 1.0)), grad

    v = ff.Variable(X)
    with ff.GradientTape() as tape:
        first, _ = split(v)  # the second output gets a zero upstream gradient
        loss = ops.sum(first)
    np.testing.assert_array_equal(tape.gradient(loss, v).numpy(), [2.0, 2.0, 2.0])


def test_without_a_tape_and_errors():
    @ops.custom_gradient
    def double(x):
        return ops.multiply(x, 2.0), lambda g: g

    np.testing.assert_array_equal(double(ff.Tensor(X)).numpy(), X * 2)

    @ops.custom_gradient
    def bad(x):
        return ops.multiply(x, 2.0), None

    with pytest.raises(TypeError, match="must return \\(outputs, grad_fn\\)"):
        bad(ff.Tensor(X))

    @ops.custom_gradient
    def wrong_count(x):
        return ops.multiply(x, 2.0), lambda g: (g, g)

    v = ff.Variable(X)
    with ff.GradientTape() as tape:
        loss = ops.sum(wrong_count(v))
    with pytest.raises(ValueError, match="returned 2 gradient\\(s\\) for 1 tensor argument"):
        tape.gradient(loss, v)
