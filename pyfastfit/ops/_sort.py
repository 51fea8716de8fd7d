"""Sorting and label ops: argsort, sort, top_k (the k largest along the last axis) and
one_hot.
"""

from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._creation import cast, zeros
from pyfastfit.ops._indexing import take_along_axis
from pyfastfit.ops._reshape import moveaxis
from pyfastfit.ops._shape_args import _dtype_name, _norm_axis


# ----------------------------------------------------------------------------- labels, sort

def one_hot(x, num_classes, axis=-1, dtype="float32", sparse=False):
    """One-hot encodes integer labels; labels outside `[0, num_classes)` (negative ones
    included) give an all-zero row, as Keras/TF.

    Example:

    >>> ops.one_hot(np.array([0, 2]), 3).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    if sparse:
        raise ValueError("Sparse one_hot tensors are not supported. Received: sparse=True")
    x = convert_to_tensor(x)
    if x.dtype == "float32":
        x = cast(x, "int64")
    out = wrap(_C.one_hot(x._c, int(num_classes), _dtype_name(dtype)))
    axis = _norm_axis(axis, out.ndim)
    if axis != out.ndim - 1:
        out = moveaxis(out, -1, axis)
    return out


def _along_last(x, axis, fn):
    nd = x.ndim
    axis = _norm_axis(axis, nd)
    if axis == nd - 1:
        return fn(x)
    res = fn(moveaxis(x, axis, -1))
    if isinstance(res, tuple):
        return tuple(moveaxis(r, -1, axis) for r in res)
    return moveaxis(res, -1, axis)


def argsort(x, axis=-1):
    """Indices that sort `x` along `axis` (stable; NaN last; int32 as Keras)."""
    x = convert_to_tensor(x, "float32") if convert_to_tensor(x).dtype != "float32" else convert_to_tensor(x)
    if x.ndim == 0:
        return zeros((), "int32")
    return _along_last(x, axis, lambda t: cast(wrap(_C.argsort(t._c, False)), "int32"))


def sort(x, axis=-1):
    """`x` sorted along `axis` (differentiable through the values)."""
    xin = convert_to_tensor(x)
    x = cast(xin, "float32")
    if x.ndim == 0:
        return xin

    def fn(t):
        return take_along_axis(t, wrap(_C.argsort(t._c, False)), axis=-1)

    out = _along_last(x, axis, fn)
    return cast(out, xin.dtype)


def top_k(x, k, sorted=True):  # noqa: A002  (Keras argument name)
    """The `k` largest values along the last axis and their indices (int32).

    Ties go to the lower index. Gradients flow through the values.

    Example:

    >>> v, i = ops.top_k(np.array([1., 3., 2.]), 2)
    >>> v.tolist(), i.tolist()
    ([3.0, 2.0], [1, 2])
    """
    x = convert_to_tensor(x)
    in_dtype = x.dtype
    if x.dtype != "float32":
        x = cast(x, "float32")
    if x.ndim == 0:
        raise ValueError("top_k needs a tensor with at least one dimension.")
    k = int(k)
    if k < 0 or k > x.shape[-1]:
        raise ValueError(f"k must be in [0, {x.shape[-1]}] (the size of the last axis). "
                         f"Received: k={k}")
    idx = wrap(_C.top_k_indices(x._c, k, bool(sorted)))
    values = take_along_axis(x, idx, axis=-1)
    return cast(values, in_dtype), cast(idx, "int32")
