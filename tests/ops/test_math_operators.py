"""Comparisons, logicals, bitwise ops and shifts vs NumPy, and the Tensor's Python
operators (NumPy arrays on the left included) recorded on the gradient tape."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.ops._math_checks import _away_from_zero, _rand


# ---------------------------------------------------------------- comparisons, logicals
CMP = [("equal", np.equal), ("not_equal", np.not_equal), ("greater", np.greater),
       ("greater_equal", np.greater_equal), ("less", np.less), ("less_equal", np.less_equal)]


LOGIC = [("logical_and", np.logical_and), ("logical_or", np.logical_or),
         ("logical_xor", np.logical_xor)]


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (2,)),
                                    ((0, 2), (2,))], ids=str)
@pytest.mark.parametrize("name,ref", CMP + LOGIC, ids=[n for n, _ in CMP + LOGIC])
def test_predicates(name, ref, shapes):
    a = np.random.randint(-1, 2, shapes[0]).astype(np.float32)
    b = np.random.randint(-1, 2, shapes[1]).astype(np.float32)
    fn = getattr(ops, name)
    for x, y in [(a, b), (a.astype("int32"), b.astype("int64")), (a != 0, b != 0),
                 (a, b.astype("int32"))]:
        out = fn(x, y)
        assert out.dtype == "bool"
        np.testing.assert_array_equal(np.asarray(out), ref(x, y))
    np.testing.assert_array_equal(np.asarray(fn(a, 0)), ref(a, 0))
    np.testing.assert_array_equal(np.asarray(fn(0.5, a)), ref(0.5, a))
    np.testing.assert_array_equal(np.asarray(fn(a.astype("int32"), 0.5)),
                                  ref(a.astype("int32"), 0.5))


@pytest.mark.parametrize("name", [n for n, _ in CMP + LOGIC])
def test_predicates_are_not_differentiable(name):
    x = ff.Variable(_rand((3,)))
    with ff.GradientTape(persistent=True) as tape:
        y = getattr(ops, name)(x, 0.0)
        z = getattr(ops, name)(x, ops.multiply(x, 2.0))
    assert tape.gradient(y, x, output_gradients=np.ones(3, "float32")) is None
    assert tape.gradient(z, x, output_gradients=np.ones(3, "float32")) is None


def test_comparison_with_out_of_range_int_scalar():
    u = np.array([0, 5, 255], "uint8")
    np.testing.assert_array_equal(np.asarray(ops.greater(u, -1)), [True, True, True])
    np.testing.assert_array_equal(np.asarray(ops.less(u, 256)), [True, True, True])
    np.testing.assert_array_equal(np.asarray(ops.equal(u, 261)), [False, False, False])
    i = np.array([1, -1], "int32")
    np.testing.assert_array_equal(np.asarray(ops.less(i, 2 ** 40)), [True, True])


# ---------------------------------------------------------------- bitwise
@pytest.mark.parametrize("dt", ["int32", "int64", "uint8", "bool"])
def test_bitwise_ops_follow_numpy(dt):
    rng = np.random.default_rng(0)
    if dt == "bool":
        a, b = rng.random((3, 4)) < 0.5, rng.random((4,)) < 0.5
    else:
        a = rng.integers(0 if dt == "uint8" else -50, 100, (3, 4)).astype(dt)
        b = rng.integers(0, 100, (4,)).astype(dt)
    for name, ref in [("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or),
                      ("bitwise_xor", np.bitwise_xor)]:
        out = getattr(ops, name)(a, b)
        assert out.dtype == dt
        np.testing.assert_array_equal(np.asarray(out), ref(a, b))
    np.testing.assert_array_equal(np.asarray(ops.bitwise_invert(a)), np.invert(a))
    ta, tb = ff.Tensor(a), ff.Tensor(b)
    np.testing.assert_array_equal(np.asarray(ta & tb), a & b)
    np.testing.assert_array_equal(np.asarray(ta | tb), a | b)
    np.testing.assert_array_equal(np.asarray(ta ^ tb), a ^ b)
    np.testing.assert_array_equal(np.asarray(~ta), ~a)
    if dt != "bool":
        np.testing.assert_array_equal(np.asarray(ta & 6), a & np.array(6, dt))


@pytest.mark.parametrize("dt", ["int32", "int64"])
def test_shifts(dt):
    a = np.array([1, -8, 5, 3, -1], dt)
    s = np.array([3, 1, 0, 2, 4], dt)
    np.testing.assert_array_equal(np.asarray(ops.left_shift(a, s)), np.left_shift(a, s))
    np.testing.assert_array_equal(np.asarray(ops.right_shift(a, s)), np.right_shift(a, s))
    np.testing.assert_array_equal(np.asarray(ff.Tensor(a) << 2), a << 2)
    np.testing.assert_array_equal(np.asarray(ff.Tensor(a) >> 1), a >> 1)
    big = np.array([70, 70], dt)
    np.testing.assert_array_equal(np.asarray(ops.right_shift(np.array([-5, 5], dt), big)), [-1, 0])
    np.testing.assert_array_equal(np.asarray(ops.left_shift(np.array([-5, 5], dt), big)), [0, 0])


def test_bitwise_rejects_floats():
    with pytest.raises(ValueError, match=r"\[bitwise_and\] expects integer or bool inputs, got float32"):
        ops.bitwise_and(np.ones(2, "float32"), np.ones(2, "int32"))
    with pytest.raises(TypeError, match="bitwise_invert expects integer or bool"):
        ~ff.Tensor(np.ones(2, "float32"))


# ---------------------------------------------------------------- operators
def test_tensor_operators():
    a = _rand((2, 3))
    b = _away_from_zero((2, 3))
    ta, tb = ff.Tensor(a), ff.Tensor(b)
    cases = [
        (ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
        (ta // tb, a // b), (ta % tb, a % b), (abs(tb) ** 0.5, np.abs(b) ** 0.5),
        (2.0 + ta, 2 + a), (2.0 - ta, 2 - a), (2.0 * ta, 2 * a), (2.0 / tb, 2 / b),
        (2.0 // tb, 2 // b), (2.0 % tb, 2 % b), (2.0 ** ta, 2.0 ** a), (-ta, -a), (+ta, a),
        (abs(ta), np.abs(a)), (ta @ tb.numpy().T, a @ b.T), (a.T @ ta, a.T @ a),
        (ta < tb, a < b), (ta <= tb, a <= b), (ta > tb, a > b), (ta >= tb, a >= b),
        (ta == ta, np.ones_like(a, bool)), (ta != tb, a != b),
        (~(ta > 0), ~(a > 0)), ((ta > 0) & (tb > 0), (a > 0) & (b > 0)),
        ((ta > 0) | (tb > 0), (a > 0) | (b > 0)), ((ta > 0) ^ (tb > 0), (a > 0) ^ (b > 0)),
    ]
    for got, expected in cases:
        assert isinstance(got, ff.Tensor)
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__lt__",
                                "__gt__", "__eq__", "__pow__", "__matmul__"])
def test_numpy_array_on_the_left_gives_tensor(op):
    a = _rand((3, 3), 0.5, 2.0)
    t = ff.Tensor(_rand((3, 3), 0.5, 2.0))
    out = getattr(a, op)(t)
    if out is NotImplemented:  # Python then calls the Tensor's reflected form
        out = {"__add__": lambda: a + t, "__sub__": lambda: a - t, "__mul__": lambda: a * t,
               "__truediv__": lambda: a / t, "__lt__": lambda: a < t, "__gt__": lambda: a > t,
               "__eq__": lambda: a == t, "__pow__": lambda: a ** t,
               "__matmul__": lambda: a @ t}[op]()
    assert isinstance(out, ff.Tensor)
    expected = getattr(a, op)(t.numpy())
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5)
    assert isinstance(a + t, ff.Tensor) and isinstance(a * t, ff.Tensor)


def test_comparison_with_none_and_hash():
    t = ff.Tensor(np.ones(2, "float32"))
    assert (t == None) is False  # noqa: E711
    assert (t != None) is True  # noqa: E711
    assert hash(t) == hash(t)
    assert len({t, t}) == 1


def test_variable_arithmetic_is_recorded():
    v = ff.Variable(np.array([1.0, 2.0], "float32"))
    with ff.GradientTape() as tape:
        y = v * v + 3.0 * v - 1.0 / v
    g = tape.gradient(y, v, output_gradients=np.ones(2, "float32"))
    np.testing.assert_allclose(np.asarray(g), 2 * np.array([1.0, 2.0]) + 3 + 1 / np.array([1.0, 4.0]),
                               rtol=1e-6)


def test_same_variable_used_twice_in_one_op():
    v = ff.Variable(np.array([3.0], "float32"))
    with ff.GradientTape() as tape:
        y = ops.multiply(v, v)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, v, output_gradients=np.ones(1, "float32"))), [6.0])
