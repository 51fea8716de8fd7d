"""Binary elementwise ops with NumPy broadcasting (`keras.ops` names): arithmetic,
comparisons, logic and bitwise ops; and the dispatch to the C++ elementwise kernels
(`_binary`, `_scalar`, `_unary`) that every elementwise op goes through.

Dtype rules (Keras/JAX-like): tensors promote bool < uint8 < int32 < int64 < float32;
arithmetic on bools gives int32; `divide` always gives float32; comparisons and logical
ops give bool. A Python scalar is "weak": it never widens a tensor's dtype
(`int32 tensor + 2 -> int32`) except that a float scalar makes an integer tensor float32
(`int32 tensor + 2.5 -> float32`). Integer `floor_divide` / `mod` follow NumPy.
"""

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
