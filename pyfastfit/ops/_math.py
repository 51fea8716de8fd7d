"""Elementwise math ops with NumPy broadcasting (`keras.ops` names).

Dtype rules (Keras/JAX-like): tensors promote bool < uint8 < int32 < int64 < float32;
arithmetic on bools gives int32; `divide` always gives float32; comparisons and logical
ops give bool. A Python scalar is "weak": it never widens a tensor's dtype
(`int32 tensor + 2 -> int32`) except that a float scalar makes an integer tensor float32
(`int32 tensor + 2.5 -> float32`). Integer `floor_divide` / `mod` follow NumPy.
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor

_CODES = _C.elementwise_codes()
_B = _CODES["binary"]
_U = _CODES["unary"]
_WEAK = (int, float, bool)
# The functions below use the codes as literals (fastest); they must match _C's table.
assert list(_B) == [
    "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "floor_divide",
    "mod", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal",
    "logical_and", "logical_or", "logical_xor", "arctan2", "bitwise_and", "bitwise_or",
    "bitwise_xor", "left_shift", "right_shift"] and list(_U) == [
    "negative", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "abs", "sign",
    "floor", "ceil", "round", "reciprocal", "sin", "cos", "logical_not", "isnan",
    "isfinite", "isinf", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan",
    "arcsinh", "arccosh", "arctanh", "trunc", "log2", "log10",
    "exp2", "erf", "cbrt"], "pyfastfit._C elementwise op codes changed"
# Binary ops with a gradient (floor_divide, comparisons and logicals have none).
_DIFF_BINARY = frozenset(_B[n] for n in (
    "add", "subtract", "multiply", "divide", "power", "maximum", "minimum", "mod", "arctan2"))
_DIFF_UNARY = frozenset(_U[n] for n in (
    "negative", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "abs",
    "reciprocal", "sin", "cos", "tan", "tanh", "sinh", "cosh", "arcsin", "arccos", "arctan",
    "arcsinh", "arccosh", "arctanh", "log2", "log10", "exp2", "erf", "cbrt"))


def _tensor(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _binary(code, x1, x2):
    t1, t2 = type(x1), type(x2)
    if t2 in _WEAK and t1 not in _WEAK:
        return _scalar(code, _tensor(x1), x2, False)
    if t1 in _WEAK and t2 not in _WEAK:
        return _scalar(code, _tensor(x2), x1, True)
    a = _tensor(x1)
    b = _tensor(x2)
    out = wrap(_C.binary(code, a._c, b._c))
    if _state.tapes and code in _DIFF_BINARY and out._c.dtype == "float32":
        record("binary", (a, b), out, (a._c, b._c, out._c), code)
    return out


def _scalar(code, x, s, reverse):
    is_int = type(s) is not float
    out = wrap(_C.binary_scalar(code, x._c, float(s), is_int, reverse))
    if _state.tapes and code in _DIFF_BINARY and out._c.dtype == "float32":
        record("binary_scalar", (x,), out, (x._c, out._c), (code, float(s), reverse))
    return out


def _unary(code, x):
    x = _tensor(x)
    out = wrap(_C.unary(code, x._c))
    if _state.tapes and code in _DIFF_UNARY:
        record("unary", (x,), out, (x._c, out._c), code)
    return out


# ------------------------------------------------------------------ binary arithmetic
def add(x1, x2):
    """Elementwise `x1 + x2` with broadcasting.

    Args:
        x1: first tensor (or array-like, or Python scalar).
        x2: second tensor (or array-like, or Python scalar).

    Returns:
        A tensor of the broadcast shape.

    Example:

    >>> ops.add(np.ones((2, 1)), np.arange(3.0)).shape
    (2, 3)
    """
    return _binary(0, x1, x2)


def subtract(x1, x2):
    """Elementwise `x1 - x2` with broadcasting.

    Example:

    >>> ops.subtract([3.0, 4.0], 1.0).numpy()
    array([2., 3.], dtype=float32)
    """
    return _binary(1, x1, x2)


def multiply(x1, x2):
    """Elementwise `x1 * x2` with broadcasting.

    Example:

    >>> ops.multiply([1.0, 2.0], [3.0, 4.0]).numpy()
    array([3., 8.], dtype=float32)
    """
    return _binary(2, x1, x2)


def divide(x1, x2):
    """Elementwise true division `x1 / x2` (always float32).

    Example:

    >>> ops.divide([1, 2], 2).numpy()
    array([0.5, 1. ], dtype=float32)
    """
    return _binary(3, x1, x2)


true_divide = divide


def power(x1, x2):
    """Elementwise `x1 ** x2` (integer powers of integers stay integer).

    Example:

    >>> ops.power([2.0, 3.0], 2).numpy()
    array([4., 9.], dtype=float32)
    """
    return _binary(4, x1, x2)


def maximum(x1, x2):
    """Elementwise maximum; NaN propagates (as `np.maximum`).

    Example:

    >>> ops.maximum([1.0, 5.0], 3.0).numpy()
    array([3., 5.], dtype=float32)
    """
    return _binary(5, x1, x2)


def minimum(x1, x2):
    """Elementwise minimum; NaN propagates (as `np.minimum`).

    Example:

    >>> ops.minimum([1.0, 5.0], 3.0).numpy()
    array([1., 3.], dtype=float32)
    """
    return _binary(6, x1, x2)


def floor_divide(x1, x2):
    """Elementwise `x1 // x2` (NumPy semantics; not differentiable).

    Example:

    >>> ops.floor_divide([-7, 7], 2).numpy()
    array([-4,  3])
    """
    return _binary(7, x1, x2)


def mod(x1, x2):
    """Elementwise remainder `x1 % x2` with the sign of `x2` (NumPy semantics).

    Example:

    >>> ops.mod([-7, 7], 3).numpy()
    array([2, 1])
    """
    return _binary(8, x1, x2)


remainder = mod


def arctan2(x1, x2):
    """Elementwise angle of the point `(x2, x1)`: `arctan(x1 / x2)` in the right
    quadrant (float32).

    Example:

    >>> ops.arctan2(1.0, -1.0).numpy()  # 3 pi / 4
    array(2.3561945, dtype=float32)
    """
    return _binary(18, x1, x2)


# ------------------------------------------------------------------ comparisons, logic
def equal(x1, x2):
    """Elementwise `x1 == x2` (bool)."""
    return _binary(9, x1, x2)


def not_equal(x1, x2):
    """Elementwise `x1 != x2` (bool)."""
    return _binary(10, x1, x2)


def greater(x1, x2):
    """Elementwise `x1 > x2` (bool)."""
    return _binary(11, x1, x2)


def greater_equal(x1, x2):
    """Elementwise `x1 >= x2` (bool)."""
    return _binary(12, x1, x2)


def less(x1, x2):
    """Elementwise `x1 < x2` (bool)."""
    return _binary(13, x1, x2)


def less_equal(x1, x2):
    """Elementwise `x1 <= x2` (bool)."""
    return _binary(14, x1, x2)


def logical_and(x1, x2):
    """Elementwise logical AND of the truth values (bool)."""
    return _binary(15, x1, x2)


def logical_or(x1, x2):
    """Elementwise logical OR of the truth values (bool)."""
    return _binary(16, x1, x2)


def logical_xor(x1, x2):
    """Elementwise logical XOR of the truth values (bool)."""
    return _binary(17, x1, x2)


def bitwise_and(x, y):
    """Elementwise bitwise AND of integer (or bool) tensors."""
    return _binary(19, x, y)


def bitwise_or(x, y):
    """Elementwise bitwise OR of integer (or bool) tensors."""
    return _binary(20, x, y)


def bitwise_xor(x, y):
    """Elementwise bitwise XOR of integer (or bool) tensors."""
    return _binary(21, x, y)


def left_shift(x, y):
    """Elementwise `x << y` for integers (0 when y is negative or too large)."""
    return _binary(22, x, y)


def right_shift(x, y):
    """Elementwise arithmetic `x >> y` for integers."""
    return _binary(23, x, y)


bitwise_left_shift = left_shift
bitwise_right_shift = right_shift


def bitwise_invert(x):
    """Elementwise bitwise NOT (`~x`): logical NOT for bools, `-x - 1` for integers.

    Example:

    >>> ops.bitwise_invert(np.array([0, 5], "int32")).numpy()
    array([-1, -6], dtype=int32)
    """
    x = _tensor(x)
    if x.dtype == "bool":
        return logical_not(x)
    if x.dtype == "float32":
        raise TypeError("bitwise_invert expects integer or bool inputs, got float32.")
    return subtract(negative(x), 1)


bitwise_not = bitwise_invert


# ------------------------------------------------------------------ unary
def negative(x):
    """Elementwise `-x`.

    Example:

    >>> ops.negative([1.0, -2.0]).numpy()
    array([-1.,  2.], dtype=float32)
    """
    return _unary(0, x)


def square(x):
    """Elementwise `x * x`.

    Example:

    >>> ops.square([2.0, 3.0]).numpy()
    array([4., 9.], dtype=float32)
    """
    return _unary(1, x)


def sqrt(x):
    """Elementwise square root (float32)."""
    return _unary(2, x)


def rsqrt(x):
    """Elementwise `1 / sqrt(x)` (float32)."""
    return _unary(3, x)


def exp(x):
    """Elementwise `e ** x` (float32)."""
    return _unary(4, x)


def log(x):
    """Elementwise natural logarithm (float32)."""
    return _unary(5, x)


def log1p(x):
    """Elementwise `log(1 + x)`, accurate for small x (float32)."""
    return _unary(6, x)


def expm1(x):
    """Elementwise `exp(x) - 1`, accurate for small x (float32)."""
    return _unary(7, x)


def abs(x):  # noqa: A001  (Keras name)
    """Elementwise absolute value.

    Example:

    >>> ops.abs([-1.0, 2.0]).numpy()
    array([1., 2.], dtype=float32)
    """
    return _unary(8, x)


absolute = abs


def sign(x):
    """Elementwise sign: -1, 0 or 1 (NaN stays NaN); zero gradient."""
    return _unary(9, x)


def floor(x):
    """Elementwise floor (float32 result)."""
    return _unary(10, x)


def ceil(x):
    """Elementwise ceiling (float32 result)."""
    return _unary(11, x)


def round(x, decimals=0):  # noqa: A001  (Keras name)
    """Rounds half to even (as NumPy) to `decimals` decimal places.

    Example:

    >>> ops.round([0.5, 1.5, 2.25], decimals=0).numpy()
    array([0., 2., 2.], dtype=float32)
    """
    if decimals == 0:
        return _unary(12, x)
    x = _tensor(x)
    if x.dtype != "float32" and decimals > 0:
        return _unary(12, x)  # integers are already round (a copy, never an alias)
    f = 10.0 ** decimals
    return divide(_unary(12, multiply(x, f)), f)


def reciprocal(x):
    """Elementwise `1 / x` (float32)."""
    return _unary(13, x)


def sin(x):
    """Elementwise sine (float32)."""
    return _unary(14, x)


def cos(x):
    """Elementwise cosine (float32)."""
    return _unary(15, x)


def logical_not(x):
    """Elementwise logical NOT of the truth values (bool)."""
    return _unary(16, x)


def isnan(x):
    """Elementwise NaN test (bool)."""
    return _unary(17, x)


def isfinite(x):
    """Elementwise test for finite values (bool)."""
    return _unary(18, x)


def isinf(x):
    """Elementwise test for +inf or -inf (bool)."""
    return _unary(19, x)


def tan(x):
    """Elementwise tangent (float32)."""
    return _unary(20, x)


def tanh(x):
    """Elementwise hyperbolic tangent (float32)."""
    return _unary(21, x)


def sinh(x):
    """Elementwise hyperbolic sine (float32)."""
    return _unary(22, x)


def cosh(x):
    """Elementwise hyperbolic cosine (float32)."""
    return _unary(23, x)


def arcsin(x):
    """Elementwise inverse sine (float32)."""
    return _unary(24, x)


def arccos(x):
    """Elementwise inverse cosine (float32)."""
    return _unary(25, x)


def arctan(x):
    """Elementwise inverse tangent (float32)."""
    return _unary(26, x)


def arcsinh(x):
    """Elementwise inverse hyperbolic sine (float32)."""
    return _unary(27, x)


def arccosh(x):
    """Elementwise inverse hyperbolic cosine (float32)."""
    return _unary(28, x)


def arctanh(x):
    """Elementwise inverse hyperbolic tangent (float32)."""
    return _unary(29, x)


def trunc(x):
    """Rounds toward zero (float32 result); zero gradient."""
    return _unary(30, x)


def log2(x):
    """Elementwise base-2 logarithm (float32)."""
    return _unary(31, x)


def log10(x):
    """Elementwise base-10 logarithm (float32)."""
    return _unary(32, x)


def exp2(x):
    """Elementwise `2 ** x` (float32)."""
    return _unary(33, x)


def erf(x):
    """Elementwise Gauss error function (float32)."""
    return _unary(34, x)


def cbrt(x):
    """Elementwise cube root (float32)."""
    return _unary(35, x)


def divide_no_nan(x1, x2):
    """`x1 / x2`, with 0 where `x2 == 0` (and a zero gradient there).

    Example:

    >>> ops.divide_no_nan([1.0, 2.0], [0.0, 4.0]).numpy()
    array([0. , 0.5], dtype=float32)
    """
    x2 = _tensor(x2)
    zero = equal(x2, 0)
    safe = where(zero, 1, x2)
    return where(zero, 0, divide(x1, safe))


def logaddexp(x1, x2):
    """`log(exp(x1) + exp(x2))`, computed stably.

    Example:

    >>> float(ops.logaddexp(0.0, 0.0))  # log(2)
    0.6931471824645996
    """
    # m + log(exp(x1 - m) + exp(x2 - m)) with the shift m held constant: the gradient is
    # then exactly the softmax weights, 1/2 each at a tie (the max/abs form gave 1 and 0).
    m = maximum(x1, x2)
    m = wrap(where(isfinite(m), m, 0.0)._c)  # a fresh wrapper: not on the tape
    return add(m, log(add(exp(subtract(x1, m)), exp(subtract(x2, m)))))


def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Elementwise `|x1 - x2| <= atol + rtol * |x2|` (bool), as `np.isclose`."""
    a = _tensor(x1)
    b = _tensor(x2)
    if a.dtype != "float32":
        a = convert_to_tensor(a, "float32")
    if b.dtype != "float32":
        b = convert_to_tensor(b, "float32")
    close = less_equal(abs(subtract(a, b)), add(multiply(abs(b), float(rtol)), float(atol)))
    close = logical_or(close, equal(a, b))  # equal infinities
    if equal_nan:
        close = logical_or(close, logical_and(isnan(a), isnan(b)))
    return close


def hypot(x1, x2):
    """Elementwise `sqrt(x1 ** 2 + x2 ** 2)`."""
    return sqrt(add(square(x1), square(x2)))


# ------------------------------------------------------------------ where, clip, nan_to_num
def _like(value, other):
    """A weak Python scalar as a 0-d tensor with the dtype of `other` (float32 for a
    float scalar next to an integer tensor)."""
    dt = other.dtype
    if type(value) is float and dt != "float32":
        dt = "float32"
    if type(value) is not bool and dt == "bool":
        dt = "float32" if type(value) is float else "int32"
    return convert_to_tensor(np.asarray(value, dtype=dt))


def where(condition, x1=None, x2=None):
    """Elements of `x1` where `condition` is true, else of `x2` (broadcast together).

    Gradients flow to `x1` where the condition holds and to `x2` elsewhere. With only
    `condition`, returns the indices of its true elements (as `np.nonzero`).

    Args:
        condition: bool tensor (other dtypes: nonzero is true).
        x1: values where true.
        x2: values where false.

    Example:

    >>> ops.where([True, False], [1.0, 2.0], 0.0).numpy()
    array([1., 0.], dtype=float32)
    """
    if x1 is None and x2 is None:
        # One-argument form: the indices of the true elements, as np.nonzero.
        c = np.asarray(_tensor(condition))
        return tuple(convert_to_tensor(i) for i in np.nonzero(c))
    if x1 is None or x2 is None:
        raise ValueError(f"where needs both x1 and x2. Received: x1={x1!r}, x2={x2!r}")
    c = _tensor(condition)
    w1, w2 = type(x1) in _WEAK, type(x2) in _WEAK
    if w1 and not w2:
        x2 = _tensor(x2)
        x1 = _like(x1, x2)
    elif w2 and not w1:
        x1 = _tensor(x1)
        x2 = _like(x2, x1)
    else:
        x1 = _tensor(x1)
        x2 = _tensor(x2)
    out = wrap(_C.where(c._c, x1._c, x2._c))
    if _state.tapes and out._c.dtype == "float32":
        record("where", (x1, x2), out, (c._c, x1._c, x2._c), None)
    return out


def clip(x, x_min, x_max):
    """Clips values to `[x_min, x_max]`; the gradient passes where x is inside.

    Args:
        x: input tensor.
        x_min: lower bound (scalar or tensor; None for no bound).
        x_max: upper bound (scalar or tensor; None for no bound).

    Example:

    >>> ops.clip([-2.0, 0.5, 3.0], 0.0, 1.0).numpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    x = _tensor(x)
    if x.dtype != "float32" and (type(x_min) is float or type(x_max) is float):
        x = convert_to_tensor(x, "float32")
    if x_min is None:
        x_min = -float("inf")
    if x_max is None:
        x_max = float("inf")
    if type(x_min) in _WEAK and type(x_max) in _WEAK:
        lo, hi = float(x_min), float(x_max)
        out = wrap(_C.clip(x._c, lo, hi))
        if _state.tapes and out._c.dtype == "float32":
            record("clip", (x,), out, (x._c,), (lo, hi))
        return out
    return minimum(maximum(x, x_min), x_max)


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """Replaces NaN by `nan`, +inf by `posinf` and -inf by `neginf` (defaults: the
    largest / lowest float32). The gradient passes where x is finite.

    Example:

    >>> ops.nan_to_num([np.nan, 1.0], nan=-1.0).numpy()
    array([-1.,  1.], dtype=float32)
    """
    x = _tensor(x)
    info = np.finfo(np.float32)
    posinf = float(info.max) if posinf is None else float(posinf)
    neginf = float(info.min) if neginf is None else float(neginf)
    out = wrap(_C.nan_to_num(x._c, float(nan), posinf, neginf))
    if _state.tapes and out._c.dtype == "float32" and out is not x:
        record("nan_to_num", (x,), out, (x._c,), None)
    return out


__all__ = [
    "arctan2", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "left_shift", "right_shift",
    "cbrt", "erf", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cosh", "divide_no_nan",
    "exp2", "hypot", "isclose", "log10", "log2", "logaddexp", "sinh", "tan", "tanh", "trunc",
    "abs", "absolute", "add", "ceil", "clip", "cos", "divide", "equal", "exp", "expm1",
    "floor", "floor_divide", "greater", "greater_equal", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "mod", "multiply", "nan_to_num", "negative",
    "not_equal", "power", "reciprocal", "remainder", "round", "rsqrt", "sign", "sin",
    "sqrt", "square", "subtract", "true_divide", "where",
]
