"""Reductions: sum, mean, max, min, prod, std, var, logsumexp, argmax, argmin, any,
all, count_nonzero, cumsum, cumprod.

Every reduction takes `axis` (None, an int or a tuple of ints; negative counts from the
end) and `keepdims`, and runs one C++ kernel. Sums accumulate in double.
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops.core import convert_to_tensor
from pyfastfit.ops.shape import _norm_axes, _norm_axis, cast, ravel


def _reduce(op, x, axis, keepdims, ddof=0):
    x = convert_to_tensor(x)
    axes = _norm_axes(axis, x.ndim)
    out = wrap(_C.reduce(x._c, axes, op, bool(keepdims), ddof))
    if _state.tapes and x.dtype == "float32":
        record("reduce", (x,), out, (x._c, out._c), (axes, op, ddof))
    return out


def sum(x, axis=None, keepdims=False):  # noqa: A001
    """Sum of elements over `axis`.

    Args:
        x: input tensor.
        axis: None (all), an int or a tuple of ints.
        keepdims: keep reduced dimensions with size 1.

    Example:

    >>> ops.sum(np.ones((2, 3)), axis=0).tolist()
    [2.0, 2.0, 2.0]
    """
    return _reduce("sum", x, axis, keepdims)


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over `axis` (float32 for any input dtype)."""
    return _reduce("mean", x, axis, keepdims)


def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Maximum over `axis`; NaN propagates. The gradient is split evenly between tied
    maxima (as TensorFlow)."""
    out = _reduce("max", x, axis, keepdims)
    if initial is not None:
        from pyfastfit.ops import math as _math

        out = _math.maximum(out, initial)
    return out


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum over `axis`; NaN propagates. Ties split the gradient evenly."""
    out = _reduce("min", x, axis, keepdims)
    if initial is not None:
        from pyfastfit.ops import math as _math

        out = _math.minimum(out, initial)
    return out


amax = max
amin = min


def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of elements over `axis` (exact gradient with zeros present)."""
    if dtype is not None:
        x = cast(x, dtype)
    return _reduce("prod", x, axis, keepdims)


def var(x, axis=None, keepdims=False):
    """Variance over `axis` (ddof 0, as keras.ops.var)."""
    return _reduce("var", x, axis, keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation over `axis` (ddof 0). Gradient 0 where std is 0."""
    return _reduce("std", x, axis, keepdims)


def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over `axis`, computed stably."""
    return _reduce("logsumexp", x, axis, keepdims)


def average(x, axis=None, weights=None):
    """Weighted mean over `axis` (`weights` broadcast against `x`); plain mean when None."""
    if weights is None:
        return mean(x, axis=axis)
    from pyfastfit.ops import math as _math
    from pyfastfit.ops.shape import broadcast_to

    x = convert_to_tensor(x, "float32") if convert_to_tensor(x).dtype != "float32" else convert_to_tensor(x)
    w = convert_to_tensor(weights, "float32")
    if w.shape != x.shape:
        if w.ndim == 1 and axis is not None and not isinstance(axis, (list, tuple)):
            ax = _norm_axis(axis, x.ndim)
            if w.shape[0] != x.shape[ax]:
                raise ValueError(f"weights of shape {w.shape} do not match axis {ax} of x "
                                 f"with shape {x.shape}.")
            from pyfastfit.ops.shape import reshape

            w = reshape(w, [x.shape[ax] if d == ax else 1 for d in range(x.ndim)])
        w = broadcast_to(w, x.shape)
    return _math.divide(sum(_math.multiply(x, w), axis=axis), sum(w, axis=axis))


def _argreduce(is_max, x, axis, keepdims):
    x = convert_to_tensor(x)
    if axis is None:
        return wrap(_C.argreduce(x._c, -1, is_max, bool(keepdims)))
    if isinstance(axis, (list, tuple)):
        raise ValueError(f"axis must be an int or None. Received: axis={axis!r}")
    return wrap(_C.argreduce(x._c, _norm_axis(axis, x.ndim), is_max, bool(keepdims)))


def argmax(x, axis=None, keepdims=False):
    """Index (int64) of the first maximum along `axis` (of the flattened x when None).
    Not differentiable."""
    return _argreduce(True, x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    """Index (int64) of the first minimum along `axis`. Not differentiable."""
    return _argreduce(False, x, axis, keepdims)


def any(x, axis=None, keepdims=False):  # noqa: A001
    """True where any element over `axis` is nonzero (bool)."""
    x = convert_to_tensor(x)
    return wrap(_C.reduce_any_all(x._c, _norm_axes(axis, x.ndim), True, bool(keepdims)))


def all(x, axis=None, keepdims=False):  # noqa: A001
    """True where every element over `axis` is nonzero (bool)."""
    x = convert_to_tensor(x)
    return wrap(_C.reduce_any_all(x._c, _norm_axes(axis, x.ndim), False, bool(keepdims)))


def count_nonzero(x, axis=None):
    """Number of nonzero elements over `axis` (int64)."""
    x = convert_to_tensor(x)
    b = cast(x, "bool")
    return cast(_reduce("sum", b, axis, False), "int64")


def _cumulative(prod_, x, axis, dtype):
    x = convert_to_tensor(x)
    if dtype is not None:
        x = cast(x, dtype)
    if axis is None:
        x = ravel(x)
        axis = 0
    axis = _norm_axis(axis, x.ndim)
    orig = x.dtype
    xf = cast(x, "float32")
    out = wrap(_C.cumulative(xf._c, axis, prod_, False))
    if _state.tapes and orig == "float32":
        record("cumulative", (xf,), out, (xf._c, out._c), (axis, prod_))
    return out if orig == "float32" else cast(out, "int64" if orig == "int64" else "int32"
                                              if orig != "bool" else "int32")


def cumsum(x, axis=None, dtype=None):
    """Cumulative sum along `axis` (flattened when None)."""
    return _cumulative(False, x, axis, dtype)


def cumprod(x, axis=None, dtype=None):
    """Cumulative product along `axis` (flattened when None)."""
    return _cumulative(True, x, axis, dtype)


__all__ = [
    "all", "amax", "amin", "any", "argmax", "average", "argmin", "count_nonzero", "cumprod", "cumsum",
    "logsumexp", "max", "mean", "min", "prod", "std", "sum", "var",
]
del np
