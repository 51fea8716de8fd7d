"""Joining, splitting and repeating ops: concatenate, stack, vstack, hstack, split,
unstack, roll, tile, repeat, pad.
"""

import builtins

import numpy as np

from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._creation import cast
from pyfastfit.ops._indexing import _slice, take
from pyfastfit.ops._reshape import broadcast_to, expand_dims, ravel, reshape, squeeze
from pyfastfit.ops._shape_args import _norm_axis, _record, _shape_tuple


# ----------------------------------------------------------------------------- join/split

def concatenate(xs, axis=0):
    """Joins tensors along an existing axis.

    Example:

    >>> ops.concatenate([np.zeros((2, 3)), np.ones((2, 1))], axis=1).shape
    (2, 4)
    """
    ts = [convert_to_tensor(t) for t in xs]
    if not ts:
        raise ValueError("concatenate needs at least one tensor. Received: xs=[]")
    nd = ts[0].ndim
    if nd == 0:
        raise ValueError("zero-dimensional tensors cannot be concatenated.")
    axis = _norm_axis(axis, nd)
    for i, t in enumerate(ts):
        if t.ndim != nd or builtins.any(a != b for d, (a, b) in enumerate(zip(t.shape, ts[0].shape))
                                        if d != axis):
            raise ValueError(
                f"concatenate: all tensors must have the same shape except along axis {axis}; "
                f"tensor 0 has shape {ts[0].shape} and tensor {i} has shape {t.shape}.")
    dtypes = {t.dtype for t in ts}
    if len(dtypes) > 1:
        dt = "float32" if "float32" in dtypes else ("int64" if "int64" in dtypes else "int32")
        ts = [cast(t, dt) for t in ts]
    if len(ts) == 1:
        return ts[0]
    out = wrap(_C.concatenate([t._c for t in ts], axis))
    if ts[0].dtype == "float32":
        _record("concatenate", tuple(ts), out, None, (axis, tuple(t.shape[axis] for t in ts)))
    return out


def stack(x, axis=0):
    """Joins tensors along a new axis."""
    ts = [convert_to_tensor(t) for t in x]
    if not ts:
        raise ValueError("stack needs at least one tensor. Received: x=[]")
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(f"stack: all tensors must have the same shape; tensor 0 has shape "
                             f"{ts[0].shape} and tensor {i} has shape {t.shape}.")
    axis = _norm_axis(axis, ts[0].ndim + 1)
    return concatenate([expand_dims(t, axis) for t in ts], axis=axis)


def split(x, indices_or_sections, axis=0):
    """Splits `x` along `axis` into equal sections (an int) or at the given indices."""
    x = convert_to_tensor(x)
    axis = _norm_axis(axis, x.ndim)
    n = x.shape[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        k = int(indices_or_sections)
        if k <= 0 or n % k:
            raise ValueError(f"split: axis {axis} of size {n} cannot be split into "
                             f"{indices_or_sections} equal sections.")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [builtins.min(builtins.max(int(i), 0), n) for i in indices_or_sections] + [n]
    parts = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        b = builtins.max(a, b)
        starts = [0] * x.ndim
        starts[axis] = a if b > a else 0
        counts = list(x.shape)
        counts[axis] = b - a
        parts.append(_slice(x, starts, [1] * x.ndim, counts))
    return parts


def unstack(x, num=None, axis=0):
    """Splits `x` into a list of tensors along `axis` (which is removed)."""
    x = convert_to_tensor(x)
    axis = _norm_axis(axis, x.ndim)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"num={num} does not match the size {x.shape[axis]} of axis {axis}.")
    return [squeeze(p, axis) for p in split(x, x.shape[axis], axis)] if x.shape[axis] else []


def roll(x, shift, axis=None):
    """Rolls elements along `axis` (of the flattened `x` when None) by `shift`."""
    x = convert_to_tensor(x)
    if axis is None:
        return reshape(roll(ravel(x), shift, 0), x.shape)
    shifts = shift if isinstance(shift, (list, tuple)) else [shift]
    axes = axis if isinstance(axis, (list, tuple)) else [axis]
    if len(shifts) != len(axes):
        raise ValueError(f"shift and axis must have the same length. Received: shift={shift!r}, "
                         f"axis={axis!r}")
    for sh, ax in zip(shifts, axes):
        ax = _norm_axis(ax, x.ndim)
        n = x.shape[ax]
        if n:
            x = take(x, (np.arange(n) - int(sh)) % n, axis=ax)
    return x


def tile(x, repeats):
    """Repeats the whole of `x` `repeats[d]` times along each dimension."""
    x = convert_to_tensor(x)
    reps = list(_shape_tuple(repeats, "repeats"))
    nd = builtins.max(len(reps), x.ndim)
    reps = [1] * (nd - len(reps)) + reps
    x = reshape(x, (1,) * (nd - x.ndim) + x.shape)
    inter, target = [], []
    for r, s in zip(reps, x.shape):
        inter += [1, s]
        target += [r, s]
    y = broadcast_to(reshape(x, inter), target)
    return reshape(y, [r * s for r, s in zip(reps, x.shape)])


def repeat(x, repeats, axis=None):
    """Repeats each element `repeats` times along `axis` (flattened when None)."""
    x = convert_to_tensor(x)
    if axis is None:
        x = ravel(x)
        axis = 0
    axis = _norm_axis(axis, x.ndim)
    if isinstance(repeats, (int, np.integer)):
        r = int(repeats)
        y = expand_dims(x, axis + 1)
        shape = list(y.shape)
        shape[axis + 1] = r
        y = broadcast_to(y, shape)
        out_shape = list(x.shape)
        out_shape[axis] *= r
        return reshape(y, out_shape)
    reps = np.asarray(repeats)
    idx = np.repeat(np.arange(x.shape[axis]), reps)
    return take(x, idx, axis=axis)


def pad(x, pad_width, mode="constant", constant_values=None):
    """Pads with a constant (only `mode="constant"`).

    Args:
        pad_width: `((before, after), ...)` per dimension, one pair for all, or an int.
    """
    if mode != "constant":
        raise ValueError(f"Only mode='constant' is supported. Received: mode={mode!r}")
    x = convert_to_tensor(x)
    pw = np.asarray(pad_width, dtype=np.int64)
    pw = np.broadcast_to(pw.reshape(-1, 2) if pw.ndim <= 1 and pw.size == 2 else
                         (pw.reshape(1, 1) if pw.ndim == 0 else pw), (x.ndim, 2))
    if (pw < 0).any():
        raise ValueError(f"pad_width must be non-negative. Received: pad_width={pad_width!r}")
    before, after = pw[:, 0].tolist(), pw[:, 1].tolist()
    if constant_values is None:
        constant_values = 0
    out = wrap(_C.pad(x._c, before, after, float(constant_values)))
    if x.dtype == "float32":
        _record("pad", (x,), out, None, (x.shape, before))
    return out


# ----------------------------------------------------------------------------- vstack, hstack

def vstack(xs):
    """Stacks tensors row-wise (1-D inputs become rows)."""
    ts = [convert_to_tensor(t) for t in xs]
    return concatenate([reshape(t, (1, -1)) if t.ndim < 2 else t for t in ts], axis=0)


def hstack(xs):
    """Stacks tensors column-wise (along axis 1, or axis 0 for 1-D inputs)."""
    ts = [convert_to_tensor(t) for t in xs]
    return concatenate(ts, axis=0 if ts and ts[0].ndim == 1 else 1)
