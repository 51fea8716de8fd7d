"""Creation ops (zeros, ones, full and their `_like` forms, arange, eye, identity,
linspace, meshgrid) and `cast`, the dtype conversion.
"""

import numpy as np

from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._reshape import broadcast_to, ravel, reshape
from pyfastfit.ops._shape_args import _dtype_name, _shape_tuple


# ----------------------------------------------------------------------------- creation

def zeros(shape, dtype=None):
    """A tensor of zeros. Example: `ops.zeros((2, 3))`."""
    return wrap(_C.full(list(_shape_tuple(shape)), 0.0, _dtype_name(dtype)))


def ones(shape, dtype=None):
    """A tensor of ones. Example: `ops.ones((2, 3), "int32")`."""
    return wrap(_C.full(list(_shape_tuple(shape)), 1.0, _dtype_name(dtype)))


def full(shape, fill_value, dtype=None):
    """A tensor of `shape` filled with `fill_value`.

    Args:
        shape: tuple of ints.
        fill_value: a Python scalar.
        dtype: dtype name; defaults to float32 (as Keras).
    """
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return wrap(_C.full(list(_shape_tuple(shape)), float(fill_value), _dtype_name(dtype)))


def zeros_like(x, dtype=None):
    """Zeros with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    return zeros(x.shape, dtype or x.dtype)


def ones_like(x, dtype=None):
    """Ones with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    return ones(x.shape, dtype or x.dtype)


def full_like(x, fill_value, dtype=None):
    """`fill_value` with the shape (and, by default, the dtype) of `x`."""
    x = convert_to_tensor(x)
    return full(x.shape, fill_value, dtype or x.dtype)


def arange(start, stop=None, step=1, dtype=None):
    """Evenly spaced values in [start, stop), as NumPy (int32 for ints, else float32)."""
    if stop is None:
        start, stop = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, stop, step)]
    if dtype is None:
        dtype = "int32" if all(isinstance(v, (int, np.integer)) for v in vals) else "float32"
    return convert_to_tensor(np.arange(*vals).astype(_dtype_name(dtype)))


def eye(N, M=None, k=0, dtype=None):
    """Identity-like matrix with ones on the k-th diagonal."""
    return convert_to_tensor(np.eye(N, M, k, dtype=_dtype_name(dtype)))


def identity(n, dtype=None):
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from start to stop (float32); with `retstep`, also the
    step."""
    vals, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    out = convert_to_tensor(vals.astype(_dtype_name(dtype)))
    return (out, step) if retstep else out


# ----------------------------------------------------------------------------- dtype

def cast(x, dtype):
    """Converts `x` to `dtype` (float -> int truncates toward zero, anything -> bool is
    x != 0). Gradients flow through float -> float casts only (a no-op for float32).

    Example:

    >>> ops.cast(np.array([1.7, -1.7]), "int32").tolist()
    [1, -1]
    """
    x = convert_to_tensor(x)
    dtype = _dtype_name(dtype)
    if x.dtype == dtype:
        return x
    return wrap(_C.cast(x._c, dtype))


# ----------------------------------------------------------------------------- grids

def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D tensors, as `np.meshgrid` (differentiable)."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"indexing must be 'xy' or 'ij'. Received: indexing={indexing!r}")
    ts = [ravel(convert_to_tensor(t)) for t in x]
    shape = [t.shape[0] for t in ts]
    if indexing == "xy" and len(ts) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(ts):
        pos = i
        if indexing == "xy" and len(ts) >= 2 and i < 2:
            pos = 1 - i
        view = [1] * len(ts)
        view[pos] = t.shape[0]
        out.append(broadcast_to(reshape(t, view), shape))
    return out
