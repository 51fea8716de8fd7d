"""Unary elementwise ops (`keras.ops` names): negative, square, sqrt, exp, log, abs,
sign, rounding, trigonometric and hyperbolic functions, NaN/inf tests, erf, cbrt, and
bitwise_invert. Floating-point results are float32 (see `_math_binary` for the dtype
rules).
"""

from pyfastfit.ops._math_binary import _tensor, _unary, divide, multiply, subtract


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


# ------------------------------------------------------------------ bitwise NOT
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
