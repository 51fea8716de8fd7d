"""Elementwise selection ops (where, clip, nan_to_num) and the composite elementwise
ops built from several kernels (divide_no_nan, logaddexp, isclose, hypot).
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._math_binary import (
    _WEAK, _tensor, add, divide, equal, less_equal, logical_and, logical_or, maximum,
    minimum, multiply, subtract,
)
from pyfastfit.ops._math_unary import abs, exp, isfinite, isnan, log, sqrt, square  # noqa: A004


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


# ------------------------------------------------------------------ composites
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
