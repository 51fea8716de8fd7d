"""Argument normalization shared by the shape ops: dtype names, axes (negative ones
counted from the end) and shapes, with Keras-style errors; and `_record`, which puts a
shape op on the active tapes.
"""

import operator

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor

_DTYPES = ("float32", "int32", "int64", "uint8", "bool")


# ----------------------------------------------------------------------------- helpers

def _dtype_name(dtype, default="float32"):
    if dtype is None:
        return default
    if isinstance(dtype, str) and dtype in _DTYPES:
        return dtype
    try:
        name = np.dtype(dtype).name
    except TypeError:
        raise ValueError(
            f"Unsupported dtype: expected one of {', '.join(_DTYPES)}. Received: dtype={dtype!r}"
        ) from None
    if name.startswith("float"):
        return "float32"
    if name in _DTYPES:
        return name
    if name in ("int8", "int16", "uint16"):
        return "int32"
    if name in ("uint32", "uint64"):
        return "int64"
    raise ValueError(
        f"Unsupported dtype: expected one of {', '.join(_DTYPES)}. Received: dtype={dtype!r}"
    )


def _norm_axis(axis, ndim, name="axis"):
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"`{name}` must be an integer. Received: {name}={axis!r}") from None
    if a < -ndim or a >= ndim:
        raise ValueError(
            f"{name} {a} is out of bounds for a tensor of rank {ndim}. Received: {name}={axis!r}"
        )
    return a + ndim if a < 0 else a


def _norm_axes(axis, ndim, name="axis"):
    """A sorted list of unique non-negative axes; None means all axes."""
    if axis is None:
        return list(range(ndim))
    if isinstance(axis, (list, tuple)):
        axes = [_norm_axis(a, ndim, name) for a in axis]
        if len(set(axes)) != len(axes):
            raise ValueError(f"repeated axis in `{name}`. Received: {name}={axis!r}")
        return sorted(axes)
    return [_norm_axis(axis, ndim, name)]


def _shape_tuple(shape, name="shape"):
    if isinstance(shape, Tensor):
        shape = np.asarray(shape).tolist()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(operator.index(s)) for s in shape)
    except TypeError:
        raise TypeError(f"`{name}` must be a tuple of integers. Received: {name}={shape!r}") from None


def _record(op, inputs, out, saved=None, attrs=None):
    if _state.tapes:
        record(op, inputs, out, saved, attrs)
