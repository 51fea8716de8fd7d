"""Elementwise unary math ops: forward vs NumPy float64 with finite-difference gradients,
integer dtypes, exp/log/tanh accuracy in ulps and special values, and where, clip and
nan_to_num."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.ops._math_checks import _away_from_zero, _rand, grad_check


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


def test_identity_ops_on_int_variables_do_not_alias():
    v = ff.Variable(np.array([1, 2], "int32"))
    r = ops.round(v)
    n = ops.nan_to_num(v)
    v.assign([5, 6])
    np.testing.assert_array_equal(np.asarray(r), [1, 2])
    np.testing.assert_array_equal(np.asarray(n), [1, 2])


# ---------------------------------------------------------------- accuracy
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
