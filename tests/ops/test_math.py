"""Elementwise math ops: forward vs NumPy float64, dtype rules, broadcasting corners,
finite-difference gradients, operators."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import numeric_grad

SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((5,), (2, 5)),
    ((2, 5), (5,)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((), ()),
    ((1,), (1,)),
    ((2, 1, 3), (4, 1)),
    ((4, 1, 1), (1, 3, 2)),
    ((0, 3), (1, 3)),
    ((1, 0), (3, 1)),
    ((0,), ()),
]


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


def test_op_codes_match_c():
    from pyfastfit.core._c import _C

    codes = _C.elementwise_codes()
    for name, code in codes["binary"].items():
        a, b = np.array([3.0, -2.0], "float32"), np.array([2.0, 5.0], "float32")
        if "bitwise" in name or "shift" in name:
            a, b = a.astype("int32"), b.astype("int32")
        np.testing.assert_array_equal(np.asarray(getattr(ops, name)(a, b)),
                                      np.asarray(_C.binary(code, ff.Tensor(a)._c, ff.Tensor(b)._c)))
    for name, code in codes["unary"].items():
        fn = {"abs": ops.abs}.get(name, getattr(ops, name))
        x = np.array([0.5, 2.0], "float32")
        np.testing.assert_array_equal(np.asarray(fn(x)), np.asarray(_C.unary(code, ff.Tensor(x)._c)))


# ---------------------------------------------------------------- binary forward
BINARY_F = [
    ("add", np.add),
    ("subtract", np.subtract),
    ("multiply", np.multiply),
    ("divide", np.divide),
    ("true_divide", np.true_divide),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
    ("floor_divide", np.floor_divide),
    ("mod", np.mod),
    ("arctan2", np.arctan2),
]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name,ref", BINARY_F, ids=[n for n, _ in BINARY_F])
def test_binary_forward(name, ref, shapes):
    a = _rand(shapes[0])
    b = _away_from_zero(shapes[1])
    out = getattr(ops, name)(a, b)
    assert out.dtype == "float32"
    expected = ref(a.astype(np.float64), b.astype(np.float64))
    assert out.shape == expected.shape
    if name in ("floor_divide", "mod"):
        # float32 rounding can move a value across an integer boundary: compare in float32
        expected = ref(a, b)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_power_forward(shapes):
    a = _rand(shapes[0], 0.5, 2.0)
    b = _rand(shapes[1], -2.0, 2.0)
    np.testing.assert_allclose(np.asarray(ops.power(a, b)),
                               np.power(a.astype(np.float64), b.astype(np.float64)), rtol=1e-5)


def test_large_broadcast_uses_parallel_path_correctly():
    a = _rand((300, 1, 129))
    b = _rand((7, 1))
    np.testing.assert_allclose(np.asarray(ops.add(a, b)), a + b, rtol=1e-6)
    c = _rand((300, 7, 129))
    np.testing.assert_allclose(np.asarray(ops.multiply(c, a)), c * a, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.subtract(3.0, c)), 3.0 - c, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.exp(c)), np.exp(c), rtol=1e-5)
    np.testing.assert_array_equal(np.asarray(ops.where(c > 0, c, a)), np.where(c > 0, c, a))


def test_broadcast_error_names_shapes():
    with pytest.raises(ValueError, match=r"\[add\] operands could not be broadcast together "
                                         r"with shapes \(2, 3\) and \(4,\)"):
        ops.add(np.ones((2, 3), "float32"), np.ones((4,), "float32"))


# ---------------------------------------------------------------- binary gradients
GRAD_SHAPES = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((5,), (2, 5)), ((), (2, 3)),
               ((2, 3), ()), ((2, 1, 3), (4, 1)), ((0, 3), (1, 3))]


@pytest.mark.parametrize("shapes", GRAD_SHAPES, ids=str)
@pytest.mark.parametrize("name,ref", [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
    ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum),
    ("arctan2", np.arctan2)])
def test_binary_gradients(name, ref, shapes):
    a = _rand(shapes[0])
    b = _away_from_zero(shapes[1])
    grad_check(getattr(ops, name), ref, [a, b])


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((), (3,))], ids=str)
def test_power_gradient(shapes):
    grad_check(ops.power, np.power, [_rand(shapes[0], 0.5, 2.0), _rand(shapes[1], -1.5, 2.0)])


def test_mod_gradient():
    b = _rand((3, 4), 1.5, 2.5)
    a = (b * (np.random.randint(-3, 3, (3, 4)) + _rand((3, 4), 0.2, 0.8))).astype(np.float32)
    grad_check(ops.mod, np.mod, [a, b])


def test_floor_divide_has_no_gradient():
    x = ff.Variable(_rand((3,)))
    with ff.GradientTape() as tape:
        y = ops.floor_divide(x, 0.7)
    assert tape.gradient(y, x, output_gradients=np.ones(3, "float32")) is None


# ---------------------------------------------------------------- scalar operands
SCALAR_OPS = [
    ("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
    ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum),
    ("power", np.power), ("mod", np.mod), ("arctan2", np.arctan2)]


@pytest.mark.parametrize("name,ref", SCALAR_OPS, ids=[n for n, _ in SCALAR_OPS])
@pytest.mark.parametrize("s", [1.7, 2, -0.6])
def test_scalar_operand_forward_and_gradient(name, ref, s):
    x = _rand((3, 4), 0.5, 2.0) if name == "power" else _away_from_zero((3, 4))
    fn = getattr(ops, name)
    np.testing.assert_allclose(np.asarray(fn(x, s)), ref(x.astype(np.float64), s), rtol=1e-5,
                               atol=1e-5)
    grad_check(lambda v: fn(v, s), lambda v: ref(v, s), [x])
    if name == "power" and s < 0:
        return  # negative base to a real power: NaN
    if name == "mod":
        x = (s * (np.random.randint(-3, 3, (3, 4)) + _rand((3, 4), 0.2, 0.8))).astype(np.float32)
        x[x == 0] = 0.5
        # s % x: keep x away from discontinuities by testing the forward only
        np.testing.assert_allclose(np.asarray(fn(s, x)), ref(s, x.astype(np.float64)),
                                   rtol=1e-4, atol=1e-5)
        return
    np.testing.assert_allclose(np.asarray(fn(s, x)), ref(s, x.astype(np.float64)), rtol=1e-5,
                               atol=1e-5)
    grad_check(lambda v: fn(s, v), lambda v: ref(s, v), [x])


def test_scalar_operand_on_0d_and_empty():
    assert ops.add(np.float32(2.0), 1).numpy() == 3.0
    assert ops.add(np.zeros((0, 2), "float32"), 1.0).shape == (0, 2)
    assert ops.multiply(3, np.zeros((2, 0), "int32")).shape == (2, 0)


# ---------------------------------------------------------------- dtype rules
I32 = np.array([1, 2, 3], "int32")
I64 = np.array([1, 2, 3], "int64")
F32 = np.array([1, 2, 3], "float32")
U8 = np.array([1, 2, 3], "uint8")
BOOL = np.array([True, False, True])


@pytest.mark.parametrize("a,b,expected", [
    (F32, F32, "float32"), (I32, I32, "int32"), (I32, I64, "int64"), (I64, I32, "int64"),
    (I32, F32, "float32"), (I64, F32, "float32"), (U8, U8, "uint8"), (U8, I32, "int32"),
    (BOOL, BOOL, "int32"), (BOOL, I64, "int64"), (BOOL, F32, "float32"),
    (I32, 2, "int32"), (I64, 2, "int64"), (U8, 2, "uint8"), (I32, 2.5, "float32"),
    (F32, 2, "float32"), (BOOL, 1, "int32"), (BOOL, 1.5, "float32"), (2, I32, "int32"),
    (2.5, I64, "float32"),
])
def test_add_dtype_rules(a, b, expected):
    out = ops.add(a, b)
    assert out.dtype == expected
    np.testing.assert_array_equal(
        np.asarray(out), np.add(np.asarray(a).astype(expected), np.asarray(b).astype(expected)))


@pytest.mark.parametrize("a,b", [(I32, I32), (I32, 2), (BOOL, BOOL), (U8, 3)])
def test_divide_gives_float32(a, b):
    out = ops.divide(a, b)
    assert out.dtype == "float32"
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.true_divide(a, b)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6)


def test_int_power_and_multiply_stay_int():
    assert ops.power(I32, 2).dtype == "int32"
    np.testing.assert_array_equal(np.asarray(ops.power(I32, 3)), I32 ** 3)
    assert ops.power(I32, 0.5).dtype == "float32"
    np.testing.assert_array_equal(np.asarray(ops.multiply(I64, I64)), I64 * I64)
    np.testing.assert_array_equal(np.asarray(ops.power(np.array([2, -1, 1, 3], "int32"), -1)),
                                  [0, -1, 1, 0])


@pytest.mark.parametrize("dt", ["int32", "int64"])
def test_integer_floor_divide_and_mod_follow_numpy(dt):
    a = np.array([-7, 7, -7, 7, 0, 5, -8], dt)
    b = np.array([2, -2, -2, 2, 3, 0, -1], dt)
    with np.errstate(divide="ignore", invalid="ignore"):
        fd, md = np.floor_divide(a, b), np.mod(a, b)
    np.testing.assert_array_equal(np.asarray(ops.floor_divide(a, b)), fd)
    np.testing.assert_array_equal(np.asarray(ops.mod(a, b)), md)
    assert ops.floor_divide(a, b).dtype == dt
    np.testing.assert_array_equal(np.asarray(ops.mod(a, 3)), np.mod(a, 3))
    np.testing.assert_array_equal(np.asarray(ops.floor_divide(-9, np.array([2, -4], dt))),
                                  np.floor_divide(-9, np.array([2, -4], dt)))


def test_int_min_floor_divide_by_minus_one_does_not_crash():
    a = np.array([np.iinfo(np.int32).min], "int32")
    out = ops.floor_divide(a, np.array([-1], "int32"))
    assert out.dtype == "int32"
    assert ops.mod(a, -1).numpy()[0] == 0


def test_float_floor_divide_and_mod_signs():
    a = np.array([-7.5, 7.5, -7.5, 7.5, 0.0, -0.0], "float32")
    b = np.array([2.0, -2.0, -2.0, 2.0, 3.0, -3.0], "float32")
    np.testing.assert_array_equal(np.asarray(ops.floor_divide(a, b)), np.floor_divide(a, b))
    np.testing.assert_array_equal(np.asarray(ops.mod(a, b)), np.mod(a, b))
    np.testing.assert_array_equal(np.signbit(np.asarray(ops.mod(a, b))), np.signbit(np.mod(a, b)))


def test_nan_propagates():
    a = np.array([np.nan, 1.0, np.nan, 2.0], "float32")
    b = np.array([1.0, np.nan, np.nan, 1.0], "float32")
    np.testing.assert_array_equal(np.asarray(ops.maximum(a, b)), np.maximum(a, b))
    np.testing.assert_array_equal(np.asarray(ops.minimum(a, b)), np.minimum(a, b))
    np.testing.assert_array_equal(np.asarray(ops.maximum(a, 0.0)), np.maximum(a, 0.0))
    np.testing.assert_array_equal(np.asarray(ops.clip(a, 0.0, 1.5)), np.clip(a, 0.0, 1.5))
    assert np.isnan(np.asarray(ops.add(a, b))[0])
    assert np.isnan(np.asarray(ops.sign(a))[0])


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


# ---------------------------------------------------------------- unary
UNARY = [
    ("negative", np.negative, None),
    ("square", np.square, None),
    ("sqrt", np.sqrt, (0.3, 3.0)),
    ("rsqrt", lambda x: 1.0 / np.sqrt(x), (0.3, 3.0)),
    ("exp", np.exp, None),
    ("log", np.log, (0.3, 3.0)),
    ("log1p", np.log1p, (-0.5, 3.0)),
    ("expm1", np.expm1, None),
    ("abs", np.abs, "nz"),
    ("absolute", np.abs, "nz"),
    ("reciprocal", np.reciprocal, "nz"),
    ("sin", np.sin, None),
    ("cos", np.cos, None),
    ("tan", np.tan, (-1.2, 1.2)),
    ("tanh", np.tanh, None),
    ("sinh", np.sinh, None),
    ("cosh", np.cosh, None),
    ("arcsin", np.arcsin, (-0.9, 0.9)),
    ("arccos", np.arccos, (-0.9, 0.9)),
    ("arctan", np.arctan, None),
    ("arcsinh", np.arcsinh, None),
    ("arccosh", np.arccosh, (1.2, 3.0)),
    ("arctanh", np.arctanh, (-0.9, 0.9)),
    ("log2", np.log2, (0.3, 3.0)),
    ("log10", np.log10, (0.3, 3.0)),
    ("exp2", np.exp2, None),
    ("erf", np.vectorize(__import__("math").erf, otypes=[np.float64]), None),
    ("cbrt", np.cbrt, "nz"),
]


@pytest.mark.parametrize("shape", [(3, 4), (), (1,), (0, 3), (2, 1, 5)], ids=str)
@pytest.mark.parametrize("name,ref,dom", UNARY, ids=[n for n, _, _ in UNARY])
def test_unary_forward_and_gradient(name, ref, dom, shape):
    if dom == "nz":
        x = _away_from_zero(shape)
    elif dom is None:
        x = _rand(shape)
    else:
        x = _rand(shape, *dom)
    fn = getattr(ops, name)
    out = fn(x)
    assert out.dtype == "float32" and out.shape == shape
    np.testing.assert_allclose(np.asarray(out), ref(x.astype(np.float64)), rtol=2e-6, atol=1e-6)
    grad_check(fn, ref, [x])


@pytest.mark.parametrize("name,ref", [("sign", np.sign), ("floor", np.floor),
                                      ("ceil", np.ceil), ("round", np.round),
                                      ("trunc", np.trunc)])
def test_piecewise_constant_unary(name, ref):
    x = np.array([-2.5, -1.5, -0.5, 0.0, 0.5, 1.5, 2.5, 0.7, -0.3], "float32")
    fn = getattr(ops, name)
    np.testing.assert_array_equal(np.asarray(fn(x)), ref(x))
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = fn(v)
    assert tape.gradient(y, v, output_gradients=np.ones_like(x)) is None


def test_round_decimals():
    x = np.array([1.234, -5.678, 2.25], "float32")
    np.testing.assert_allclose(np.asarray(ops.round(x, decimals=1)), np.round(x, 1), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.round(np.array([1234, 1250]), -2)), [1200, 1200])


@pytest.mark.parametrize("dt", ["int32", "int64", "uint8", "bool"])
def test_unary_integer_dtypes(dt):
    x = np.array([0, 1, 3, 1], dt)
    assert ops.sqrt(x).dtype == "float32"
    np.testing.assert_allclose(np.asarray(ops.sqrt(x)), np.sqrt(x.astype(np.float64)), rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.exp(x)), np.exp(x.astype(np.float64)), rtol=1e-6)
    assert ops.floor(x).dtype == "float32"
    expected = "int32" if dt == "bool" else dt
    assert ops.square(x).dtype == expected
    assert ops.abs(x).dtype == expected
    assert ops.round(x).dtype == dt
    np.testing.assert_array_equal(np.asarray(ops.logical_not(x)), np.logical_not(x))
    assert not np.asarray(ops.isnan(x)).any() and np.asarray(ops.isfinite(x)).all()
    assert ops.isinf(x).dtype == "bool"
    if dt in ("int32", "int64"):
        y = np.array([-3, 0, 4], dt)
        np.testing.assert_array_equal(np.asarray(ops.negative(y)), -y)
        np.testing.assert_array_equal(np.asarray(ops.abs(y)), np.abs(y))
        np.testing.assert_array_equal(np.asarray(ops.sign(y)), np.sign(y))


def test_special_value_predicates():
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -1.0], "float32")
    for name in ("isnan", "isfinite", "isinf"):
        out = getattr(ops, name)(x)
        assert out.dtype == "bool"
        np.testing.assert_array_equal(np.asarray(out), getattr(np, name)(x))
    np.testing.assert_array_equal(np.asarray(ops.logical_not(x)), np.logical_not(x))


# ---------------------------------------------------------------- where, clip, nan_to_num
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (3, 4)),
                                    ((4,), (3, 1), ()), ((), (2, 3), (3,)),
                                    ((0, 2), (2,), (1, 2))], ids=str)
def test_where(shapes):
    c = np.random.rand(*shapes[0]) < 0.5
    a = _rand(shapes[1])
    b = _rand(shapes[2])
    out = ops.where(c, a, b)
    np.testing.assert_array_equal(np.asarray(out), np.where(c, a, b))
    grad_check(lambda x, y: ops.where(c, x, y), lambda x, y: np.where(c, x, y), [a, b])


def test_where_scalars_and_dtypes():
    c = np.array([True, False, True])
    out = ops.where(c, np.array([1, 2, 3], "int32"), 0)
    assert out.dtype == "int32"
    np.testing.assert_array_equal(np.asarray(out), [1, 0, 3])
    out = ops.where(c, np.array([1, 2, 3], "int32"), 0.5)
    assert out.dtype == "float32"
    np.testing.assert_array_equal(np.asarray(out), [1, 0.5, 3])
    out = ops.where(np.array([1, 0, 2]), 1.0, np.zeros(3, "float32"))
    np.testing.assert_array_equal(np.asarray(out), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="where needs both"):
        ops.where(c, 1.0)
    (idx,) = ops.where(c)
    np.testing.assert_array_equal(np.asarray(idx), [0, 2])
    rows, cols = ops.where(np.array([[0, 1], [1, 1]]))
    np.testing.assert_array_equal(np.asarray(rows), [0, 1, 1])
    np.testing.assert_array_equal(np.asarray(cols), [1, 0, 1])


@pytest.mark.parametrize("shape", [(3, 4), (), (0, 2)], ids=str)
def test_clip(shape):
    x = _rand(shape)
    # keep x away from the bounds for the finite differences
    x[np.abs(np.abs(x) - 1.0) < 0.05] = 0.0
    np.testing.assert_array_equal(np.asarray(ops.clip(x, -1.0, 1.0)), np.clip(x, -1.0, 1.0))
    grad_check(lambda v: ops.clip(v, -1.0, 1.0), lambda v: np.clip(v, -1.0, 1.0), [x])


def test_clip_tensor_bounds_and_ints():
    x = _rand((3, 4))
    lo = _rand((4,), -1.5, -0.5)
    np.testing.assert_array_equal(np.asarray(ops.clip(x, lo, 1.0)), np.clip(x, lo, 1.0))
    i = np.array([-5, 0, 5], "int32")
    assert ops.clip(i, -1, 2).dtype == "int32"
    np.testing.assert_array_equal(np.asarray(ops.clip(i, -1, 2)), [-1, 0, 2])
    np.testing.assert_allclose(np.asarray(ops.clip(i, -1.5, 2.5)), [-1.5, 0, 2.5])
    np.testing.assert_array_equal(np.asarray(ops.clip(x, None, 0.5)), np.clip(x, None, 0.5))
    np.testing.assert_array_equal(np.asarray(ops.clip(i, 0, None)), [0, 0, 5])
    assert ops.clip(i, 0, None).dtype == "int32"


def test_nan_to_num():
    x = np.array([np.nan, np.inf, -np.inf, 1.5], "float32")
    np.testing.assert_array_equal(np.asarray(ops.nan_to_num(x)), np.nan_to_num(x))
    np.testing.assert_array_equal(np.asarray(ops.nan_to_num(x, nan=-1.0, posinf=9.0, neginf=-9.0)),
                                  [-1.0, 9.0, -9.0, 1.5])
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = ops.nan_to_num(v)
    g = tape.gradient(y, v, output_gradients=np.full(4, 2.0, "float32"))
    np.testing.assert_array_equal(np.asarray(g), [0.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(np.asarray(ops.nan_to_num(np.array([1, 2], "int32"))), [1, 2])


# ---------------------------------------------------------------- sum_to_shape
@pytest.mark.parametrize("gshape,shape", [((3, 4), (4,)), ((3, 4), (3, 1)), ((2, 3, 4), ()),
                                          ((2, 3, 4), (1, 3, 1)), ((5,), (1,)), ((3, 4), (3, 4)),
                                          ((2, 0, 3), (3,)), ((4, 1, 3), (1, 1))])
def test_sum_to_shape(gshape, shape):
    from pyfastfit.core._c import _C

    g = _rand(gshape)
    out = np.asarray(_C.sum_to_shape(ff.Tensor(g)._c, list(shape)))
    nd = len(gshape) - len(shape)
    axes = tuple(range(nd)) + tuple(i + nd for i, d in enumerate(shape) if d == 1 and gshape[i + nd] != 1)
    expected = g.astype(np.float64).sum(axis=axes, keepdims=True).reshape(shape)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_sum_to_shape_error():
    from pyfastfit.core._c import _C

    with pytest.raises(ValueError, match=r"\[sum_to_shape\] cannot sum a gradient of shape \(3, 4\)"):
        _C.sum_to_shape(ff.Tensor(_rand((3, 4)))._c, [5])


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


def test_divide_no_nan():
    x = np.array([1.0, 2.0, -3.0], "float32")
    y = np.array([0.0, 4.0, 0.0], "float32")
    np.testing.assert_array_equal(np.asarray(ops.divide_no_nan(x, y)), [0.0, 0.5, 0.0])
    vx, vy = ff.Variable(x), ff.Variable(y)
    with ff.GradientTape() as tape:
        out = ops.divide_no_nan(vx, vy)
    gx, gy = tape.gradient(out, [vx, vy], output_gradients=np.ones(3, "float32"))
    np.testing.assert_allclose(np.asarray(gx), [0.0, 0.25, 0.0])
    np.testing.assert_allclose(np.asarray(gy), [0.0, -2.0 / 16.0, 0.0])


def test_logaddexp_and_hypot():
    a, b = _rand((3, 4), -30, 30), _rand((4,), -30, 30)
    grad_check(ops.logaddexp, np.logaddexp, [a, b])
    big = np.array([1000.0, -1000.0], "float32")
    np.testing.assert_allclose(np.asarray(ops.logaddexp(big, big)), np.logaddexp(big, big), rtol=1e-6)
    grad_check(ops.hypot, np.hypot, [_away_from_zero((3,)), _away_from_zero((2, 3))])


def test_isclose():
    a = np.array([1.0, 1.0 + 1e-7, np.nan, np.inf, 0.0], "float32")
    b = np.array([1.0, 1.0, np.nan, np.inf, 1e-3], "float32")
    np.testing.assert_array_equal(np.asarray(ops.isclose(a, b)), np.isclose(a, b))
    np.testing.assert_array_equal(np.asarray(ops.isclose(a, b, equal_nan=True)),
                                  np.isclose(a, b, equal_nan=True))
    np.testing.assert_array_equal(np.asarray(ops.isclose(a, b, atol=1e-2)), np.isclose(a, b, atol=1e-2))


def test_exp_accuracy_and_special_values():
    x = np.concatenate([np.linspace(-110, 95, 100001),
                        [np.nan, np.inf, -np.inf, 0.0, 88.72, 88.73, -87.3, -104.0]]).astype(np.float32)
    got = np.asarray(ops.exp(x)).astype(np.float64)
    with np.errstate(over="ignore"):
        ref32 = np.exp(x)
    ref = np.exp(x.astype(np.float64))
    normal = np.isfinite(ref32) & (ref32 > 1.2e-38)
    ulp = np.abs(got[normal] - ref[normal]) / np.spacing(ref32[normal]).astype(np.float64)
    assert ulp.max() <= 2.0
    special = ~normal
    np.testing.assert_allclose(got[special], ref32[special], atol=1e-44, rtol=0)


def test_comparison_with_out_of_range_int_scalar():
    u = np.array([0, 5, 255], "uint8")
    np.testing.assert_array_equal(np.asarray(ops.greater(u, -1)), [True, True, True])
    np.testing.assert_array_equal(np.asarray(ops.less(u, 256)), [True, True, True])
    np.testing.assert_array_equal(np.asarray(ops.equal(u, 261)), [False, False, False])
    i = np.array([1, -1], "int32")
    np.testing.assert_array_equal(np.asarray(ops.less(i, 2 ** 40)), [True, True])


def test_log_accuracy_and_special_values():
    x = np.concatenate([np.exp(np.random.uniform(-87, 88, 100000)), np.random.uniform(0, 3, 10000),
                        [1e-40, 1e-45, 3e-39, 1.0, 0.70710677, 1.4142135]]).astype(np.float32)
    got = np.asarray(ops.log(x)).astype(np.float64)
    ref = np.log(x.astype(np.float64))
    ref32 = np.log(x)
    nz = ref32 != 0
    ulp = np.abs(got[nz] - ref[nz]) / np.spacing(np.abs(ref32[nz])).astype(np.float64)
    assert ulp.max() <= 2.0
    special = np.array([0.0, -0.0, -1.0, np.inf, -np.inf, np.nan], np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(np.asarray(ops.log(special)), np.log(special))


def test_identity_ops_on_int_variables_do_not_alias():
    v = ff.Variable(np.array([1, 2], "int32"))
    r = ops.round(v)
    n = ops.nan_to_num(v)
    v.assign([5, 6])
    np.testing.assert_array_equal(np.asarray(r), [1, 2])
    np.testing.assert_array_equal(np.asarray(n), [1, 2])


@pytest.mark.parametrize("seed", range(12))
def test_random_broadcast_shapes_match_numpy(seed):
    rng = np.random.default_rng(seed)
    big = seed % 3 == 0  # large enough for the parallel path (> 32K elements)
    nd = int(rng.integers(3, 5)) if big else int(rng.integers(1, 5))
    out = [int(rng.integers(24, 48) if big else rng.integers(1, 6)) for _ in range(nd)]
    sa = [d if rng.random() < 0.6 else 1 for d in out]
    sb = [d if rng.random() < 0.6 else 1 for d in out][int(rng.integers(0, nd)):]
    a = rng.standard_normal(sa).astype(np.float32)
    b = rng.standard_normal(sb).astype(np.float32)
    np.testing.assert_allclose(np.asarray(ops.add(a, b)), a + b, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(ops.maximum(b, a)), np.maximum(b, a))
    np.testing.assert_array_equal(np.asarray(ops.less(a, b)), a < b)
    c = rng.random(sb) < 0.5
    np.testing.assert_array_equal(np.asarray(ops.where(c, a, b)), np.where(c, a, b))
    from pyfastfit.core._c import _C

    g = rng.standard_normal(np.broadcast_shapes(a.shape, b.shape)).astype(np.float32)
    for shape in (a.shape, b.shape):
        got = np.asarray(_C.sum_to_shape(ff.Tensor(g)._c, list(shape)))
        nlead = g.ndim - len(shape)
        axes = tuple(range(nlead)) + tuple(
            nlead + i for i, d in enumerate(shape) if d == 1 and g.shape[nlead + i] != 1)
        np.testing.assert_allclose(got, g.sum(axis=axes, keepdims=True).reshape(shape),
                                   rtol=1e-4, atol=1e-4)


def test_arctan2_quadrants_and_dtype():
    y = np.array([1.0, 1.0, -1.0, -1.0, 0.0, 0.0], "float32")
    x = np.array([1.0, -1.0, 1.0, -1.0, -1.0, 0.0], "float32")
    np.testing.assert_allclose(np.asarray(ops.arctan2(y, x)), np.arctan2(y, x), rtol=1e-6)
    out = ops.arctan2(np.array([1, 2], "int32"), 2)
    assert out.dtype == "float32"
    np.testing.assert_allclose(np.asarray(out), np.arctan2([1, 2], 2), rtol=1e-6)


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


def test_tanh_accuracy_and_special_values():
    x = np.concatenate([np.linspace(-12, 12, 100001), np.logspace(-30, 1, 1000),
                        [0.625, -0.625, 0.62499]]).astype(np.float32)
    for fn in (ops.tanh, ops.nn.tanh):
        got = np.asarray(fn(x)).astype(np.float64)
        ref32 = np.tanh(x)
        nz = ref32 != 0
        ulp = np.abs(got[nz] - np.tanh(x[nz].astype(np.float64))) / np.spacing(np.abs(ref32[nz]))
        assert ulp.max() <= 2.0
        special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], np.float32)
        out = np.asarray(fn(special))
        np.testing.assert_array_equal(out, np.tanh(special))
        np.testing.assert_array_equal(np.signbit(out[3:]), [False, True])
