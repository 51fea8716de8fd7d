"""Activations and the fused Dense op: forward vs NumPy float64, gradients by finite
differences."""

import math

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import check_op

_erf = np.vectorize(math.erf, otypes=[np.float64])
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


REFS = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "sigmoid": _sigmoid,
    "hard_sigmoid": lambda x: np.clip(x / 6.0 + 0.5, 0.0, 1.0),
    "tanh": np.tanh,
    "gelu": lambda x: 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0))),
    "gelu_approximate": lambda x: 0.5 * x * (
        1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x ** 3))),
    "elu": lambda x: np.where(x > 0, x, np.expm1(x)),
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "softplus": lambda x: np.logaddexp(0.0, x),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "exponential": np.exp,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "log_sigmoid": lambda x: -np.logaddexp(0.0, -x),
    "hard_silu": lambda x: x * np.clip(x / 6.0 + 0.5, 0.0, 1.0),
}

FUNCS = {
    "relu": ops.nn.relu, "relu6": ops.nn.relu6, "sigmoid": ops.nn.sigmoid,
    "hard_sigmoid": ops.nn.hard_sigmoid, "tanh": ops.nn.tanh,
    "gelu": lambda x: ops.nn.gelu(x, approximate=False),
    "gelu_approximate": ops.nn.gelu, "elu": ops.nn.elu,
    "selu": ops.nn.selu, "softplus": ops.nn.softplus, "softsign": ops.nn.softsign,
    "silu": ops.nn.silu, "swish": ops.nn.swish, "leaky_relu": ops.nn.leaky_relu,
    "exponential": ops.nn.exponential, "softmax": ops.nn.softmax,
    "log_softmax": ops.nn.log_softmax, "log_sigmoid": ops.nn.log_sigmoid,
    "hard_silu": ops.nn.hard_silu,
}


def _data(shape, name):
    # Keep values away from the kinks (0, and +-3 / 6 for the hard activations) so the
    # central differences are exact.
    x = np.random.uniform(-4.0, 8.0 if name == "relu6" else 4.0, size=shape)
    kinks = {"relu6": (0.0, 6.0), "hard_sigmoid": (-3.0, 3.0),
             "hard_silu": (-3.0, 3.0)}.get(name, (0.0,))
    for k in kinks:
        near = np.abs(x - k) < 0.05
        x[near] = k + 0.5
    return x.astype(np.float32)


@pytest.mark.parametrize("shape", [(4, 5), (3,), (2, 3, 4), (), (0, 3)], ids=str)
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_activation(name, shape):
    if name in ("softmax", "log_softmax") and shape == ():
        shape = (1,)
    check_op(FUNCS[name], REFS[name], [_data(shape, name)], atol=2e-6, rtol=2e-5,
             grad=np.prod(shape) > 0)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1, -2, 2])
def test_softmax_axes(name, axis):
    x = _data((3, 4, 5), name)
    fn = getattr(ops.nn, name)
    check_op(lambda v: fn(v, axis=axis), lambda v: REFS[name](v, axis=axis), [x],
             atol=2e-6, rtol=2e-5)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("cols", [1, 10, 16, 31, 32, 33, 100])
def test_softmax_row_widths(name, cols):
    # Rows shorter than, equal to and longer than the kernels' 16 and 32 lanes.
    check_op(getattr(ops.nn, name), REFS[name], [_data((5, cols), name)], atol=2e-6,
             rtol=2e-5)


@pytest.mark.parametrize("cols", [10, 33])
def test_softmax_nan_and_infinite_entries(cols):
    x = np.linspace(-2, 2, 3 * cols).astype(np.float32).reshape(3, cols)
    x[0, cols // 2] = np.nan
    x[1, -1] = -np.inf
    x[2, :] = -np.inf
    out = np.asarray(ops.nn.softmax(x))
    assert np.isnan(out[0]).all() and np.isnan(out[2]).all()
    ref = np.exp(x[1, :-1].astype(np.float64) - x[1, :-1].max())
    np.testing.assert_allclose(out[1, :-1], ref / ref.sum(), rtol=2e-6)
    assert out[1, -1] == 0.0


def test_softmax_rows_sum_to_one_and_are_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [0.0, 0.0, 0.0]], np.float32)
    out = np.asarray(ops.nn.softmax(x))
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-7)
    assert np.isfinite(np.asarray(ops.nn.log_softmax(x))).all()
    wide = np.full((3, 40), -1000.0, np.float32)
    wide[:2, 3:23] = 1000.0  # the maximum in the vector lanes, not in the row's first 16
    wide[1, 3:23] -= np.arange(20, dtype=np.float32)
    wide[2] -= np.arange(40, dtype=np.float32) / 8  # all far below zero
    out = np.asarray(ops.nn.softmax(wide))
    np.testing.assert_allclose(out[0], np.where(wide[0] > 0, 1 / 20, 0.0), atol=1e-7)
    for r, top in ((1, 1000.0), (2, -1000.0)):
        ref = np.exp(wide[r].astype(np.float64) - top)
        np.testing.assert_allclose(out[r], ref / ref.sum(), rtol=2e-6, atol=1e-12)
    assert np.isfinite(np.asarray(ops.nn.log_softmax(wide))).all()


def test_elu_alpha_and_leaky_slope():
    x = _data((3, 4), "elu")
    check_op(lambda v: ops.nn.elu(v, alpha=0.5), lambda v: np.where(v > 0, v, 0.5 * np.expm1(v)),
             [x])
    check_op(lambda v: ops.nn.leaky_relu(v, negative_slope=0.1),
             lambda v: np.where(v > 0, v, 0.1 * v), [x])


def test_activation_of_int_input_is_float32():
    out = ops.nn.relu(np.array([-1, 2], "int32"))
    assert out.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(out), [0.0, 2.0])


def test_top_level_aliases():
    x = _data((2, 3), "relu")
    for name in ("relu", "sigmoid", "tanh", "softmax", "log_softmax", "gelu", "silu"):
        np.testing.assert_array_equal(np.asarray(getattr(ops, name)(x)),
                                      np.asarray(getattr(ops.nn, name)(x)))


DENSE_ACTS = ["linear", "relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "gelu",
              "gelu_approximate", "elu", "selu", "softplus", "softsign", "swish", "silu",
              "leaky_relu", "exponential", "softmax", "log_softmax"]


@pytest.mark.parametrize("x_shape", [(4, 3), (2, 3, 3), (1, 3)], ids=str)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("activation", DENSE_ACTS)
def test_dense(activation, use_bias, x_shape):
    alpha = 0.2 if activation == "leaky_relu" else (1.0 if activation == "elu" else 0.0)
    kinks = {"relu": [0.0], "leaky_relu": [0.0], "relu6": [0.0, 6.0],
             "hard_sigmoid": [-3.0, 3.0]}.get(activation, [])
    for _ in range(100):
        # redraw until the pre-activation is away from the kinks (finite differences)
        x = np.random.uniform(-1, 1, x_shape).astype(np.float32)
        k = np.random.uniform(-1, 1, (3, 5)).astype(np.float32)
        b = np.random.uniform(-0.5, 0.5, (5,)).astype(np.float32)
        z = x @ k + (b if use_bias else 0)
        if not any((np.abs(z - kk) < 0.02).any() for kk in kinks):
            break
    ref_act = REFS[activation]

    def fn(*args):
        if use_bias:
            return ops.nn.dense(args[0], args[1], args[2], activation=activation, alpha=alpha)
        return ops.nn.dense(args[0], args[1], None, activation=activation, alpha=alpha)

    def ref(*args):
        z = args[0] @ args[1]
        if use_bias:
            z = z + args[2]
        return ref_act(z)

    args = [x, k, b] if use_bias else [x, k]
    check_op(fn, ref, args, atol=1e-5, rtol=1e-5)


def test_dense_shape_errors():
    with pytest.raises(ValueError, match=r"\[dense\] inputs of shape \(2, 4\) do not match a "
                                         r"kernel of shape \(3, 5\)"):
        ops.nn.dense(np.ones((2, 4), "float32"), np.ones((3, 5), "float32"))
    with pytest.raises(ValueError, match=r"\[dense\] bias must have shape \(5,\), got \(4,\)"):
        ops.nn.dense(np.ones((2, 3), "float32"), np.ones((3, 5), "float32"),
                     np.ones((4,), "float32"))
    with pytest.raises(ValueError, match="unknown activation 'nope'"):
        ops.nn.dense(np.ones((2, 3), "float32"), np.ones((3, 5), "float32"), activation="nope")


def test_dense_gradient_only_to_watched():
    x = np.random.rand(4, 3).astype(np.float32)
    k = ff.Variable(np.random.rand(3, 2).astype(np.float32))
    b = ff.Variable(np.zeros(2, np.float32), trainable=False)
    with ff.GradientTape() as tape:
        y = ops.sum(ops.nn.dense(x, k, b, "relu"))
    gk, gb = tape.gradient(y, [k, b])
    assert gb is None
    np.testing.assert_allclose(np.asarray(gk), x.T @ np.ones((4, 2)), rtol=1e-5)


def test_extreme_inputs():
    x = np.array([-1e4, -100.0, -20.0, 0.0, 20.0, 100.0, 1e4, np.inf, -np.inf], np.float32)
    with np.errstate(over="ignore"):
        ref = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(np.asarray(ops.nn.sigmoid(x)), ref, rtol=1e-6, atol=1e-44)
    assert np.isnan(np.asarray(ops.nn.sigmoid(np.array([np.nan], np.float32))))[0]
    np.testing.assert_allclose(np.asarray(ops.nn.silu(x[1:-2])), x[1:-2] * ref[1:-2], rtol=1e-6,
                               atol=1e-40)
    big = np.array([[1e4, 0.0, -1e4, 30.0]], np.float32)
    np.testing.assert_allclose(np.asarray(ops.nn.log_softmax(big)), REFS["log_softmax"](big.astype(np.float64)),
                               rtol=1e-6)
    wide = np.random.uniform(-50, 50, (3, 1000)).astype(np.float32)
    for name in ("softmax", "log_softmax"):
        np.testing.assert_allclose(np.asarray(getattr(ops.nn, name)(wide)),
                                   REFS[name](wide.astype(np.float64)), rtol=2e-5, atol=1e-7)


def test_gelu_default_is_approximate_as_keras_ops():
    x = np.array([-1.0, 0.0, 1.0], np.float32)
    np.testing.assert_allclose(np.asarray(ops.nn.gelu(x)), [-0.15880796, 0.0, 0.841192], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.nn.gelu(x, approximate=False)),
                               [-0.15865526, 0.0, 0.8413447], rtol=1e-6)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -3, (0, 2), (2, 1), (0, 1, 2)])
def test_softmax_any_axis_or_axes(name, axis):
    x = np.random.default_rng(3).standard_normal((2, 3, 4)).astype(np.float32)
    ref = _softmax if name == "softmax" else _log_softmax
    ax = tuple(a % 3 for a in axis) if isinstance(axis, tuple) else axis
    check_op(lambda v: getattr(ops, name)(v, axis=axis), lambda v: ref(v, axis=ax), [x])


@pytest.mark.parametrize("fn", [ops.softmax, ops.log_softmax, ops.nn.softmax])
@pytest.mark.parametrize("axis,msg", [
    (5, r"axis 5 is out of bounds.*rank 2.*Received: axis=5"),
    (-3, r"axis -3 is out of bounds.*rank 2"),
    ((0, 2), r"axis 2 is out of bounds.*rank 2"),
    ((1, 1), r"repeated axis.*Received: axis=\(1, 1\)"),
])
def test_softmax_bad_axis_names_axis_value_and_rank(fn, axis, msg):
    with pytest.raises(ValueError, match=msg):
        fn(np.ones((2, 3), np.float32), axis=axis)
    with pytest.raises(ValueError, match=r"axis 2 is out of bounds.*rank 0"):
        fn(np.float32(1.0), axis=2)
    assert float(fn(np.float32(1.0), axis=0)) in (0.0, 1.0)
