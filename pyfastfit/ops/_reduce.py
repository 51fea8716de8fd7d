"""Reductions: sum, mean, max, min, prod, std, var, logsumexp, argmax, argmin, any,
all, count_nonzero, cumsum, cumprod.

Every reduction takes `axis` (None, an int or a tuple of ints; negative counts from the
end) and `keepdims`, and runs one C++ kernel. Sums accumulate in double.
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._shape import _norm_axes, _norm_axis, cast, ravel


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
        from pyfastfit.ops import _math as _math

        out = _math.maximum(out, initial)
    return out


def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    """Minimum over `axis`; NaN propagates. Ties split the gradient evenly."""
    out = _reduce("min", x, axis, keepdims)
    if initial is not None:
        from pyfastfit.ops import _math as _math

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
    from pyfastfit.ops import _math as _math
    from pyfastfit.ops._shape import broadcast_to

    x = convert_to_tensor(x, "float32") if convert_to_tensor(x).dtype != "float32" else convert_to_tensor(x)
    w = convert_to_tensor(weights, "float32")
    if w.shape != x.shape:
        if w.ndim == 1 and axis is not None and not isinstance(axis, (list, tuple)):
            ax = _norm_axis(axis, x.ndim)
            if w.shape[0] != x.shape[ax]:
                raise ValueError(f"weights of shape {w.shape} do not match axis {ax} of x "
                                 f"with shape {x.shape}.")
            from pyfastfit.ops._shape import reshape

            w = reshape(w, [x.shape[ax] if d == ax else 1 for d in range(x.ndim)])
        w = broadcast_to(w, x.shape)
    return _math.divide(sum(_math.multiply(x, w), axis=axis), sum(w, axis=axis))


def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantile(s) over `axis` (q in [0, 1], scalar or 1-D), as `np.quantile`.

    Args:
        method: "linear", "lower", "higher", "midpoint" or "nearest".
    """
    from pyfastfit.ops import _math as _math
    from pyfastfit.ops._shape import expand_dims, moveaxis, reshape, sort, take

    if method not in ("linear", "lower", "higher", "midpoint", "nearest"):
        raise ValueError("method must be one of linear, lower, higher, midpoint, nearest. "
                         f"Received: method={method!r}")
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = cast(x, "float32")
    qs = np.asarray(q.numpy() if hasattr(q, "numpy") else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"q must be a scalar or 1-D with values in [0, 1]. Received: q={q!r}")
    nd = x.ndim
    axes = _norm_axes(axis, nd)
    kept = [d for d in range(nd) if d not in axes]
    # Move the reduced axes last and merge them.
    y = moveaxis(x, axes, list(range(nd - len(axes), nd))) if axes else x
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    y = reshape(y, [x.shape[d] for d in kept] + [n])
    y = sort(y, axis=-1)
    pos = qs.reshape(-1) * (n - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    frac = (pos - lo).astype(np.float32)
    if method == "lower":
        out = take(y, lo, axis=-1)
    elif method == "higher":
        out = take(y, np.ceil(pos).astype(np.int64), axis=-1)
    elif method == "nearest":
        out = take(y, np.around(pos).astype(np.int64), axis=-1)
    else:
        if method == "midpoint":
            hi = np.ceil(pos).astype(np.int64)
        a, b = take(y, lo, axis=-1), take(y, hi, axis=-1)
        w = np.full_like(frac, 0.5) if method == "midpoint" else frac
        out = _math.add(a, _math.multiply(_math.subtract(b, a), w))
    if keepdims:
        for a in axes:
            out = expand_dims(out, a)
    # The q axis goes first, as NumPy.
    out = moveaxis(out, -1, 0)
    if qs.ndim == 0:
        out = reshape(out, out.shape[1:])
    return out


def median(x, axis=None, keepdims=False):
    """Median over `axis` (average of the middle two for even counts)."""
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


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
    "logsumexp", "max", "mean", "median", "min", "quantile", "prod", "std", "sum", "var",
]
