"""Reshaping and permuting ops: reshape, ravel/flatten, expand_dims, squeeze, transpose,
moveaxis, swapaxes, broadcast_to.

Reshapes of contiguous tensors share storage; the others run one C++ kernel.
"""

import builtins
import math as _math
import operator

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._shape_args import _norm_axes, _norm_axis, _record, _shape_tuple


# ----------------------------------------------------------------------------- reshape

def reshape(x, newshape):
    """Gives `x` a new shape with the same number of elements (one entry may be -1).

    Tensors are reshaped without a copy (they are immutable); Variables are copied, so
    the result does not change when the Variable is assigned later.

    Example:

    >>> ops.reshape(np.zeros((2, 6)), (3, -1)).shape
    (3, 4)
    """
    x = convert_to_tensor(x)
    if isinstance(newshape, (list, tuple)):
        try:
            shape = [operator.index(s) for s in newshape]
        except TypeError:
            shape = list(_shape_tuple(newshape, "newshape"))
    else:
        shape = list(_shape_tuple(newshape, "newshape"))
    size = x.size
    if -1 in shape:
        i = shape.index(-1)
        known = _math.prod(shape[:i]) * _math.prod(shape[i + 1:])
        if known <= 0 or size % known or -1 in shape[i + 1:] or _any_negative(shape, i):
            _reshape_error(x, newshape, shape)
        shape[i] = size // known
    elif _math.prod(shape) != size or _any_negative(shape, -1):
        _reshape_error(x, newshape, shape)
    if tuple(shape) == x.shape:
        return x
    c = x._c.reshape(shape)
    if type(x) is not Tensor:
        # Variables change in place: give the result its own storage (a snapshot).
        c = c.clone()
    out = wrap(c)
    if _state.tapes and x.dtype == "float32":
        record("reshape", (x,), out, None, x.shape)
    return out


def _any_negative(shape, skip):
    return builtins.any(s < 0 for i, s in enumerate(shape) if i != skip)


def _reshape_error(x, newshape, shape):
    if shape.count(-1) > 1 or builtins.any(s < -1 for s in shape):
        raise ValueError(
            f"newshape may contain at most one -1 and no other negative entry. "
            f"Received: newshape={tuple(shape)}")
    raise ValueError(
        f"Cannot reshape a tensor of shape {x.shape} (size {x.size}) into shape "
        f"{tuple(shape)}.")


def ravel(x):
    """Flattens `x` to 1-D (no copy)."""
    return reshape(x, (-1,))


flatten = ravel


def expand_dims(x, axis):
    """Inserts size-1 dimensions at `axis` (an int or a tuple of ints)."""
    x = convert_to_tensor(x)
    axes = axis if isinstance(axis, (list, tuple)) else (axis,)
    nd = x.ndim + len(axes)
    pos = _norm_axes(list(axes), nd)
    shape = list(x.shape)
    for p in pos:
        shape.insert(p, 1)
    return reshape(x, shape)


def squeeze(x, axis=None):
    """Removes size-1 dimensions (all of them, or those in `axis`)."""
    x = convert_to_tensor(x)
    if axis is None:
        shape = [s for s in x.shape if s != 1]
    else:
        axes = _norm_axes(axis, x.ndim)
        for a in axes:
            if x.shape[a] != 1:
                raise ValueError(
                    f"Cannot squeeze axis {a} of a tensor of shape {x.shape}: its size is "
                    f"{x.shape[a]}, not 1. Received: axis={axis!r}")
        shape = [s for i, s in enumerate(x.shape) if i not in axes]
    return reshape(x, shape)


# ----------------------------------------------------------------------------- permute

def transpose(x, axes=None):
    """Permutes the dimensions (reverses them when `axes` is None).

    Example:

    >>> ops.transpose(np.zeros((2, 3, 4)), (1, 0, 2)).shape
    (3, 2, 4)
    """
    x = convert_to_tensor(x)
    nd = x.ndim
    if axes is None:
        perm = list(range(nd))[::-1]
    else:
        perm = [_norm_axis(a, nd, "axes") for a in axes]
        if sorted(perm) != list(range(nd)):
            raise ValueError(
                f"axes must be a permutation of the {nd} dimensions. Received: axes={axes!r}")
    if nd < 2 or perm == sorted(perm):
        return x
    # Moving only size-1 dims is a reshape.
    xs = x.shape
    if 1 in xs and [p for p in perm if xs[p] != 1] == [p for p in range(nd) if xs[p] != 1]:
        return reshape(x, [xs[p] for p in perm])
    out = wrap(_C.transpose(x._c, perm))
    if x.dtype == "float32":
        _record("transpose", (x,), out, None, tuple(perm))
    return out


def moveaxis(x, source, destination):
    """Moves axes `source` to positions `destination` (ints or tuples)."""
    x = convert_to_tensor(x)
    nd = x.ndim
    src = [_norm_axis(a, nd, "source") for a in (source if isinstance(source, (list, tuple)) else [source])]
    dst = [_norm_axis(a, nd, "destination")
           for a in (destination if isinstance(destination, (list, tuple)) else [destination])]
    if len(src) != len(dst):
        raise ValueError("source and destination must have the same number of axes. "
                         f"Received: source={source!r}, destination={destination!r}")
    order = [a for a in range(nd) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(x, order)


def swapaxes(x, axis1, axis2):
    """Swaps two axes."""
    x = convert_to_tensor(x)
    a = _norm_axis(axis1, x.ndim, "axis1")
    b = _norm_axis(axis2, x.ndim, "axis2")
    perm = list(range(x.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(x, perm)


# ----------------------------------------------------------------------------- broadcast

def broadcast_to(x, shape):
    """Broadcasts `x` to `shape` with NumPy rules."""
    x = convert_to_tensor(x)
    shape = _shape_tuple(shape)
    if shape == x.shape:
        return x
    try:
        np.broadcast_shapes(x.shape, shape)
        ok = len(shape) >= x.ndim and np.broadcast_shapes(x.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"Cannot broadcast a tensor of shape {x.shape} to shape {shape}.")
    out = wrap(_C.broadcast_to(x._c, list(shape)))
    if x.dtype == "float32":
        _record("broadcast_to", (x,), out, None, x.shape)
    return out
