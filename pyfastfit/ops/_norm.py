"""`keras.ops.linalg.norm`: vector and matrix norms, composed from differentiable ops."""

from pyfastfit.ops import _math as m
from pyfastfit.ops import _reduce as r
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._shape import _norm_axes, cast

_INF = float("inf")
_VECTOR_ORDS = "None, inf, -inf, 0 or a number"
_MATRIX_ORDS = "None, 'fro', 1, -1, inf or -inf"


def _vector_norm(x, ord, axis, keepdims):  # noqa: A002  (NumPy's argument name)
    if ord is None or ord == 2:
        return m.sqrt(r.sum(m.square(x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str) or isinstance(ord, bool):
        raise ValueError(f"Invalid `ord` for a vector norm: expected {_VECTOR_ORDS}. "
                         f"Received: ord={ord!r}")
    a = m.abs(x)
    if ord == _INF:
        return r.max(a, axis=axis, keepdims=keepdims)
    if ord == -_INF:
        return r.min(a, axis=axis, keepdims=keepdims)
    if ord == 0:
        return r.sum(cast(m.not_equal(x, 0.0), "float32"), axis=axis, keepdims=keepdims)
    if ord == 1:
        return r.sum(a, axis=axis, keepdims=keepdims)
    p = float(ord)
    return m.power(r.sum(m.power(a, p), axis=axis, keepdims=keepdims), 1.0 / p)


def _matrix_norm(x, ord, axes, keepdims):  # noqa: A002
    row, col = axes
    if ord is None or ord == "fro":
        return m.sqrt(r.sum(m.square(x), axis=axes, keepdims=keepdims))
    if ord in (1, -1, _INF, -_INF) and not isinstance(ord, bool):
        # 1: largest column sum (sum over rows); inf: largest row sum (sum over columns).
        inner, outer = (row, col) if ord in (1, -1) else (col, row)
        sums = r.sum(m.abs(x), axis=inner, keepdims=True)
        pick = r.max if ord > 0 else r.min
        out = pick(sums, axis=outer, keepdims=True)
        if keepdims:
            return out
        return r.sum(out, axis=axes)  # drops both size-1 axes (a sum of one element)
    raise ValueError(f"Invalid or unsupported `ord` for a matrix norm: expected "
                     f"{_MATRIX_ORDS} (the SVD-based 2, -2 and 'nuc' are not available). "
                     f"Received: ord={ord!r}")


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Matrix or vector norm, as `np.linalg.norm`.

    Args:
        x: input tensor (cast to float32).
        ord: the norm order. Vectors: `None`/2 (Euclidean), `inf`, `-inf`, 0 (count of
            non-zeros), or any number p (sum(|x|^p)^(1/p)). Matrices: `None`/"fro",
            1, -1, inf, -inf.
        axis: `None` (the whole tensor as a vector when `ord` is None; otherwise `x` must
            be 1-D or 2-D), an int (vector norms) or a pair of ints (matrix norms).
        keepdims: keep the reduced axes with size 1.

    Example:

    >>> float(ops.linalg.norm([3.0, 4.0]))
    5.0
    """
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    nd = x.ndim
    if axis is None:
        if ord is None:
            if keepdims:
                return m.sqrt(r.sum(m.square(x), axis=tuple(range(nd)), keepdims=True))
            return m.sqrt(r.sum(m.square(x)))
        if nd not in (1, 2):
            raise ValueError(f"norm: with `axis=None` and an `ord`, `x` must be 1-D or 2-D. "
                             f"Received: x.shape={x.shape}, ord={ord!r}")
        axis = tuple(range(nd))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(axes) not in (1, 2):
        raise ValueError(f"norm: `axis` must be an int or a pair of ints. "
                         f"Received: axis={axis!r}")
    normed = _norm_axes(list(axes), nd)  # checks bounds and repeats, names `axis`
    if len(axes) == 1:
        return _vector_norm(x, ord, normed[0], keepdims)
    a0 = axes[0] + nd if axes[0] < 0 else axes[0]
    a1 = axes[1] + nd if axes[1] < 0 else axes[1]
    return _matrix_norm(x, ord, (a0, a1), keepdims)


__all__ = ["norm"]
