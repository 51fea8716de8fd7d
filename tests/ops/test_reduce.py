"""Reductions vs NumPy float64, with finite-difference gradient checks."""

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit import ops
from tests.helpers import grad_check


SHAPES_AXES = [
    ((3, 4), None), ((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, -2)), ((2, 3, 4), 1), ((5,), 0), ((1, 4, 1), None), ((4, 1, 3), (0, 1)),
    ((0, 3), 1), ((0, 3), 0), ((), None), ((2, 1, 3, 2), (1, 3)), ((3, 2, 2, 3), (0, 3)),
]

SMOOTH = {
    "sum": (ops.sum, np.sum), "mean": (ops.mean, np.mean),
    "var": (ops.var, np.var), "std": (ops.std, np.std),
    "logsumexp": (ops.logsumexp, None), "prod": (ops.prod, np.prod),
}


def np_logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("shape,axis", SHAPES_AXES)
@pytest.mark.parametrize("name", sorted(SMOOTH))
@pytest.mark.parametrize("keepdims", [False, True])
def test_smooth_reductions(name, shape, axis, keepdims):
    fn, ref = SMOOTH[name]
    ref = ref or np_logsumexp
    x = np.random.uniform(0.5, 1.5, shape)
    size0 = x.size == 0
    if size0 and name in ("logsumexp", "var", "std", "mean"):
        return
    out = fn(x.astype(np.float32), axis=axis, keepdims=keepdims)
    exp = ref(x, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(exp)
    assert out.dtype == "float32"
    np.testing.assert_allclose(np.asarray(out), exp, rtol=2e-5, atol=1e-6)
    if x.size and np.size(exp) and np.prod(shape or (1,)) <= 48:
        grad_check(lambda t: fn(t, axis=axis, keepdims=keepdims),
                   lambda a: ref(a, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("shape,axis", [s for s in SHAPES_AXES if 0 not in s[0]])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min(name, shape, axis):
    fn, ref = getattr(ops, name), getattr(np, name)
    x = np.random.permutation(np.arange(int(np.prod(shape)))).reshape(shape) * 0.1
    out = fn(x.astype(np.float32), axis=axis)
    np.testing.assert_allclose(np.asarray(out), ref(x, axis=axis), rtol=1e-6)
    grad_check(lambda t: fn(t, axis=axis), lambda a: ref(a, axis=axis), x)


def test_max_ties_split_gradient():
    v = ff.Variable(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], np.float32))
    with ff.GradientTape() as tape:
        y = ops.max(v, axis=1)
    g = tape.gradient(y, v, output_gradients=np.ones(2, np.float32))
    np.testing.assert_allclose(np.asarray(g), [[0, 0.5, 0.5], [1, 0, 0]])


@pytest.mark.parametrize("inner", [1, 3, 5, 8, 11])
@pytest.mark.parametrize("rows", [1, 7, 8, 13, 40])
def test_max_min_gradient_over_the_middle_axis_with_ties(rows, inner):
    """(outer, rows, inner) reduced over rows (global pooling over channels): the gradient
    splits g evenly between tied extremes, for every period and tail of the walk."""
    rng = np.random.default_rng(rows * 100 + inner)
    x = rng.integers(0, 4, (3, rows, inner)).astype(np.float32)  # many ties
    g = rng.random((3, inner)).astype(np.float32)
    for name in ("max", "min"):
        v = ff.Variable(x)
        with ff.GradientTape() as tape:
            y = getattr(ops, name)(v, axis=1)
        got = np.asarray(tape.gradient(y, v, output_gradients=g))
        ref = getattr(np, name)(x, axis=1, keepdims=True)
        hit = (x == ref).astype(np.float64)
        want = hit * g[:, None, :] / hit.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("rows", [1, 7, 8, 9, 40])
def test_max_min_over_the_middle_axis_of_few_channels(rows):
    """Rows of 1-7 values (global pooling over channels): the extreme of each column,
    a NaN only in its own column, infinities kept, for every period and tail."""
    rng = np.random.default_rng(rows)
    for inner in range(1, 8):
        x = rng.standard_normal((2, rows, inner)).astype(np.float32)
        x[1, rows // 2, 0] = np.nan
        x[0, rows - 1, inner - 1] = np.inf
        for name in ("max", "min"):
            got = np.asarray(getattr(ops, name)(x, axis=1))
            want = getattr(np, name)(x, axis=1)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} inner={inner}")


def test_nan_propagates():
    x = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0]], np.float32)
    for name in ("sum", "mean", "max", "min", "prod", "var", "std", "logsumexp"):
        out = np.asarray(getattr(ops, name)(x, axis=1))
        assert np.isnan(out[0]) and np.isfinite(out[1]), name
    assert int(ops.argmax(x[0])) == 1 and int(ops.argmin(x[0])) == 1


def test_prod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 4.0]], np.float32)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = ops.prod(v, axis=1)
    g = tape.gradient(y, v, output_gradients=np.ones(3, np.float32))
    np.testing.assert_allclose(np.asarray(g), [[0, 6, 0], [0, 0, 0], [8, 4, 2]])


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (1000, 37), (3, 50000), (70000,)])
def test_hot_layouts_float32(shape):
    x = np.random.standard_normal(shape).astype(np.float32)
    x64 = x.astype(np.float64)
    for axis in (0, -1, None):
        np.testing.assert_allclose(np.asarray(ops.sum(x, axis=axis)), x64.sum(axis=axis),
                                   rtol=1e-5, atol=1e-3)
        np.testing.assert_allclose(np.asarray(ops.mean(x, axis=axis)), x64.mean(axis=axis),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(np.asarray(ops.max(x, axis=axis)), x.max(axis=axis))
        np.testing.assert_array_equal(np.asarray(ops.min(x, axis=axis)), x.min(axis=axis))


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool", "uint8"])
def test_integer_reductions(dtype):
    x = np.random.randint(0, 3, (4, 5)).astype(dtype)
    for axis in (None, 0, 1):
        s = ops.sum(x, axis=axis)
        np.testing.assert_array_equal(np.asarray(s), x.astype(np.int64).sum(axis=axis))
        assert s.dtype == ("int64" if dtype == "int64" else "int32")
        np.testing.assert_allclose(np.asarray(ops.mean(x, axis=axis)), x.mean(axis=axis), rtol=1e-6)
        m = ops.max(x, axis=axis)
        np.testing.assert_array_equal(np.asarray(m), x.max(axis=axis))
        assert m.dtype == dtype


@pytest.mark.parametrize("shape,axis", [((3, 4), None), ((3, 4), 0), ((3, 4), -1),
                                        ((2, 3, 4), 1), ((5,), 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_argmax_argmin(shape, axis, keepdims):
    x = np.random.standard_normal(shape).astype(np.float32)
    for fn, ref in ((ops.argmax, np.argmax), (ops.argmin, np.argmin)):
        out = fn(x, axis=axis, keepdims=keepdims)
        assert out.dtype == "int64"
        np.testing.assert_array_equal(np.asarray(out), ref(x, axis=axis, keepdims=keepdims))


def test_argmax_first_of_ties_and_not_differentiable():
    assert int(ops.argmax(np.array([1.0, 3.0, 3.0]))) == 1
    v = ff.Variable(np.array([1.0, 3.0], np.float32))
    with ff.GradientTape() as tape:
        y = ops.argmax(v)
    assert tape.gradient(y, v) is None


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1), -1])
def test_any_all_count_nonzero(axis):
    x = np.random.randint(0, 2, (3, 4)) * np.random.standard_normal((3, 4))
    x = x.astype(np.float32)
    for fn, ref in ((ops.any, np.any), (ops.all, np.all)):
        out = fn(x, axis=axis)
        assert out.dtype == "bool"
        np.testing.assert_array_equal(np.asarray(out), ref(x, axis=axis))
        np.testing.assert_array_equal(np.asarray(fn(x, axis=axis, keepdims=True)),
                                      ref(x, axis=axis, keepdims=True))
    c = ops.count_nonzero(x, axis=axis)
    np.testing.assert_array_equal(np.asarray(c), np.count_nonzero(x, axis=axis))


@pytest.mark.parametrize("shape,axis", [((5,), None), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -2),
                                        ((2, 3), None)])
def test_cumsum_cumprod(shape, axis):
    x = np.random.uniform(0.5, 1.5, shape)
    for fn, ref in ((ops.cumsum, np.cumsum), (ops.cumprod, np.cumprod)):
        np.testing.assert_allclose(np.asarray(fn(x.astype(np.float32), axis=axis)),
                                   ref(x, axis=axis), rtol=1e-5)
        grad_check(lambda t: fn(t, axis=axis), lambda a: ref(a, axis=axis), x)


def test_cumsum_int():
    out = ops.cumsum(np.array([1, 2, 3], np.int32))
    assert out.dtype == "int32" and out.tolist() == [1, 3, 6]


def test_errors():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="axis 3 is out of bounds for a tensor of rank 2"):
        ops.sum(x, axis=3)
    with pytest.raises(ValueError, match="axis -3 is out of bounds"):
        ops.mean(x, axis=-3)
    with pytest.raises(ValueError, match="repeated axis"):
        ops.sum(x, axis=(0, -2))
    with pytest.raises(ValueError, match="zero-size"):
        ops.max(np.ones((0, 3), np.float32), axis=0)
    with pytest.raises(ValueError, match="axis must be an int"):
        ops.argmax(x, axis=(0, 1))


def test_average():
    x = np.random.standard_normal((3, 4))
    w = np.random.uniform(0.5, 1.5, 4)
    np.testing.assert_allclose(np.asarray(ops.average(x.astype(np.float32), axis=1, weights=w)),
                               np.average(x, axis=1, weights=w), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(ops.average(x.astype(np.float32))), np.average(x), rtol=1e-5)
    grad_check(lambda t: ops.average(t, axis=1, weights=w.astype(np.float32)),
               lambda a: np.average(a, axis=1, weights=w), x)


@pytest.mark.parametrize("n", [15, 16, 40, 1000])
def test_nan_and_inf_in_vector_paths(n):
    x = np.random.standard_normal((3, n)).astype(np.float32)
    x[0, n // 2] = np.nan
    x[1, n - 1] = np.inf
    x[2, 0] = -np.inf
    for fn, ref in ((ops.max, np.max), (ops.min, np.min), (ops.sum, np.sum)):
        for axis in (0, 1):
            got, exp = np.asarray(fn(x, axis=axis)), ref(x.astype(np.float64), axis=axis)
            np.testing.assert_allclose(got, exp, rtol=1e-4, atol=1e-4, equal_nan=True)
            got_t = np.asarray(fn(np.ascontiguousarray(x.T), axis=1 - axis))
            np.testing.assert_allclose(got_t, exp, rtol=1e-4, atol=1e-4, equal_nan=True)


@pytest.mark.parametrize("axis", [0, 1, None])
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_large_backward(name, axis):
    x = np.random.standard_normal((3, 40000)).astype(np.float32)
    v = ff.Variable(x)
    with ff.GradientTape() as tape:
        y = getattr(ops, name)(v, axis=axis, keepdims=True)
    g = np.random.standard_normal(y.shape).astype(np.float32)
    dx = np.asarray(tape.gradient(y, v, output_gradients=g))
    n = x.size // g.size
    if name == "sum":
        exp = np.broadcast_to(g, x.shape)
    elif name == "mean":
        exp = np.broadcast_to(g / n, x.shape)
    else:
        exp = np.where(x == x.max(axis=axis, keepdims=True), np.broadcast_to(g, x.shape), 0)
    np.testing.assert_allclose(dx, exp, rtol=1e-6)


def _random_case(rng):
    nd = int(rng.integers(0, 5))
    shape = tuple(int(rng.choice([0, 1, 2, 3, 5])) for _ in range(nd))
    k = int(rng.integers(0, nd + 1))
    axes = tuple(int(a) for a in rng.permutation(nd)[:k])
    axes = tuple(a - nd if rng.random() < 0.5 else a for a in axes)
    axis = None if rng.random() < 0.2 else (axes if len(axes) != 1 or rng.random() < 0.5 else axes[0])
    return shape, axis, bool(rng.random() < 0.5)


@pytest.mark.parametrize("seed", range(40))
def test_random_shapes_and_axes(seed):
    rng = np.random.default_rng(seed)
    shape, axis, keepdims = _random_case(rng)
    x = rng.standard_normal(shape).astype(np.float32)
    x64 = x.astype(np.float64)
    red_size = x.size if axis is None else int(np.prod([shape[a] for a in np.atleast_1d(axis)]))
    for name, ref in (("sum", np.sum), ("prod", np.prod), ("mean", np.mean), ("max", np.max),
                      ("min", np.min), ("var", np.var), ("std", np.std), ("any", np.any),
                      ("all", np.all)):
        if red_size == 0 and name in ("mean", "var", "std", "max", "min"):
            continue
        out = getattr(ops, name)(x, axis=axis, keepdims=keepdims)
        exp = ref(x64, axis=axis, keepdims=keepdims)
        assert out.shape == np.shape(exp), (name, shape, axis)
        np.testing.assert_allclose(np.asarray(out), exp, rtol=2e-5, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("axis", [None, 0, (0, 2), -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile(axis, keepdims, method):
    x = np.random.standard_normal((3, 4, 5))
    for q in (0.3, [0.1, 0.5, 1.0]):
        out = ops.quantile(x.astype(np.float32), q, axis=axis, keepdims=keepdims, method=method)
        exp = np.quantile(x, q, axis=axis, keepdims=keepdims, method=method)
        assert out.shape == exp.shape
        np.testing.assert_allclose(np.asarray(out), exp, rtol=1e-5, atol=1e-6)


def test_median_gradient():
    x = np.random.standard_normal((3, 4))
    np.testing.assert_allclose(np.asarray(ops.median(x.astype(np.float32), axis=1)),
                               np.median(x, axis=1), rtol=1e-5)
    grad_check(lambda t: ops.median(t, axis=1), lambda a: np.median(a, axis=1), x)
    grad_check(lambda t: ops.median(t), lambda a: np.median(a), x[:, :3])
    with pytest.raises(ValueError, match="q must be"):
        ops.quantile(x, 1.5)


@pytest.mark.parametrize("shape,axis", [((40000, 3), 0), ((3, 40000), 1), ((50000,), None)])
def test_large_var_std_logsumexp(shape, axis):
    x = np.random.standard_normal(shape).astype(np.float32)
    x64 = x.astype(np.float64)
    for name, ref in (("var", np.var), ("std", np.std), ("logsumexp", np_logsumexp)):
        np.testing.assert_allclose(np.asarray(getattr(ops, name)(x, axis=axis)), ref(x64, axis=axis),
                                   rtol=1e-5)
    v = ff.Variable(x)
    with ff.GradientTape(persistent=True) as tape:
        var = ops.var(v, axis=axis, keepdims=True)
        lse = ops.logsumexp(v, axis=axis, keepdims=True)
    n = x.size // var.size
    dvar = np.asarray(tape.gradient(var, v, output_gradients=np.ones(var.shape, np.float32)))
    np.testing.assert_allclose(dvar, 2 * (x64 - x64.mean(axis=axis, keepdims=True)) / n,
                               rtol=1e-4, atol=1e-7)
    dlse = np.asarray(tape.gradient(lse, v, output_gradients=np.ones(lse.shape, np.float32)))
    np.testing.assert_allclose(dlse, np.exp(x64 - np_logsumexp(x64, axis=axis, keepdims=True)),
                               rtol=1e-4, atol=1e-9)
