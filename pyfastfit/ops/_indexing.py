"""Indexing and gathering ops: `getitem` (`Tensor.__getitem__`, NumPy semantics), slice,
flip, take, take_rows, take_along_axis, nonzero.

A contiguous block of an immutable Tensor is a view sharing its storage; the others run
one C++ kernel (a strided slice or a gather).
"""

import builtins
import operator

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._reshape import broadcast_to, ravel, reshape
from pyfastfit.ops._shape_args import _norm_axes, _norm_axis, _record, _shape_tuple


# ----------------------------------------------------------------------------- slicing

def _slice(x, starts, steps, counts):
    if all(st == 0 and sp == 1 and c == n for st, sp, c, n in zip(starts, steps, counts, x.shape)):
        return x
    return _slice_raw(x, starts, steps, counts)


def _basic_index(x, key):
    """x[key] for keys of ints, slices, None and Ellipsis."""
    xs = x.shape
    nd = len(xs)
    n_used = 0
    ell = 0
    for k in key:
        if k is None:
            continue
        if k is Ellipsis:
            ell += 1
        else:
            n_used += 1
    if ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if n_used > nd:
        raise IndexError(
            f"too many indices for tensor: tensor is {nd}-dimensional, but {n_used} were indexed")
    starts, steps, counts, out_shape = [], [], [], []
    d = 0
    full = True
    for k in key:
        if k is None:
            out_shape.append(1)
            continue
        if k is Ellipsis:
            for _ in range(nd - n_used):
                starts.append(0)
                steps.append(1)
                counts.append(xs[d])
                out_shape.append(xs[d])
                d += 1
            continue
        n = xs[d]
        if isinstance(k, builtins.slice):
            start, stop, step = k.indices(n)
            c = len(range(start, stop, step))
            if c == 0:
                start = 0
            starts.append(start)
            steps.append(step)
            counts.append(c)
            out_shape.append(c)
            full = full and c == n and (step == 1 or n <= 1)
        else:
            i = operator.index(k)
            if i < -n or i >= n:
                raise IndexError(f"index {i} is out of bounds for axis {d} with size {n}")
            starts.append(i + n if i < 0 else i)
            steps.append(1)
            counts.append(1)
            full = full and n == 1
        d += 1
    while d < nd:
        starts.append(0)
        steps.append(1)
        counts.append(xs[d])
        out_shape.append(xs[d])
        d += 1
    if full:
        y = x
    else:
        y = _slice_raw(x, starts, steps, counts)
    return reshape(y, out_shape)


def _contiguous_offset(shape, starts, steps, counts):
    """Element offset when the slice is one contiguous block of x, else -1."""
    k = 0
    nd = len(shape)
    while k < nd and counts[k] == 1:
        k += 1
    if k < nd and steps[k] != 1 and counts[k] > 1:
        return -1
    for d in range(k + 1, nd):
        if counts[d] != shape[d]:
            return -1
    off = 0
    for d in range(nd):
        off = off * shape[d] + starts[d]
    return off


def _slice_raw(x, starts, steps, counts):
    off = -1 if 0 in counts else _contiguous_offset(x.shape, starts, steps, counts)
    if off >= 0 and type(x) is Tensor:
        # A contiguous block (rows of a batch, x[i], ...) of an immutable Tensor: a view
        # sharing x's storage. Variables (mutable) get a copy.
        out = wrap(_C.contiguous_view(x._c, off, counts))
    else:
        out = wrap(_C.strided_slice(x._c, starts, steps, counts))
    if _state.tapes and x.dtype == "float32":
        record("strided_slice", (x,), out, None, (x.shape, starts, steps, counts))
    return out


def _as_index_array(k):
    a = np.asarray(k)
    return a.astype(np.int64) if a.size == 0 and a.dtype.kind == "f" else a


def getitem(x, key):
    """`x[key]` with NumPy semantics: ints, slices (any step), None, Ellipsis, integer
    arrays/Tensors and boolean masks. Differentiable.

    Example:

    >>> t = ops.convert_to_tensor(np.arange(6.0).reshape(2, 3))
    >>> t[:, 1:].shape
    (2, 2)
    """
    x = convert_to_tensor(x)
    if not isinstance(key, tuple):
        key = (key,)
    key = tuple(_as_index_array(k) if isinstance(k, (Tensor, list)) else k for k in key)
    arrays = [i for i, k in enumerate(key) if isinstance(k, np.ndarray) or isinstance(k, (bool, np.bool_))]
    if not arrays:
        return _basic_index(x, key)
    others_simple = builtins.all(isinstance(k, builtins.slice) or k is Ellipsis
                                 for i, k in enumerate(key) if i != arrays[0])
    if len(arrays) == 1 and others_simple and isinstance(key[arrays[0]], np.ndarray):
        p = arrays[0]
        arr = key[p]
        k = arr.ndim if arr.dtype == bool else 1
        n_used = builtins.sum(1 for j, kk in enumerate(key) if kk is not Ellipsis and j != p) + k
        if n_used > x.ndim:
            raise IndexError(
                f"too many indices for tensor: tensor is {x.ndim}-dimensional, but {n_used} were indexed")
        # Position of the array's first dim once Ellipsis is expanded.
        pos = 0
        for kk in key[:p]:
            pos += (x.ndim - n_used) if kk is Ellipsis else 1
        sub = key[:p] + (builtins.slice(None),) * k + key[p + 1:]
        y = _basic_index(x, sub)
        if arr.dtype == bool:
            dims = y.shape[pos:pos + k]
            if arr.shape != dims:
                raise IndexError(
                    f"boolean index of shape {arr.shape} does not match the indexed dimensions "
                    f"{dims} of a tensor of shape {x.shape}")
            y = reshape(y, y.shape[:pos] + (int(np.prod(dims)),) + y.shape[pos + k:])
            return take(y, np.flatnonzero(arr), axis=pos)
        if arr.dtype.kind not in "iu":
            raise IndexError(f"arrays used as indices must be of integer or boolean type, got {arr.dtype}")
        return take(y, arr, axis=pos)
    # General advanced indexing: gather through a flat index computed by NumPy.
    proxy = np.arange(x.size, dtype=np.int64).reshape(x.shape)[key]
    return reshape(take(ravel(x), proxy.ravel(), axis=0), proxy.shape)


def slice(inputs, start_indices, shape):  # noqa: A001  (keras.ops.slice)
    """`inputs[start:start + shape]` per dimension (Keras `ops.slice`)."""
    x = convert_to_tensor(inputs)
    starts = [int(s) for s in np.asarray(start_indices).tolist()]
    counts = [int(s) for s in _shape_tuple(shape)]
    counts = [n - st if c == -1 else c for c, st, n in zip(counts, starts, x.shape)]
    for d, (st, c, n) in enumerate(zip(starts, counts, x.shape)):
        if st < 0 or c < 0 or st + c > n:
            raise ValueError(f"slice [{st}, {st + c}) is out of bounds for dimension {d} of "
                             f"size {n} in a tensor of shape {x.shape}.")
    return _slice(x, [s if c else 0 for s, c in zip(starts, counts)], [1] * x.ndim, counts)


def flip(x, axis=None):
    """Reverses the order of elements along `axis` (all axes when None)."""
    x = convert_to_tensor(x)
    axes = _norm_axes(axis, x.ndim)
    starts = [n - 1 if (a in axes and n > 0) else 0 for a, n in enumerate(x.shape)]
    steps = [-1 if a in axes else 1 for a in range(x.ndim)]
    if builtins.all(x.shape[a] <= 1 for a in axes):
        return x
    out = wrap(_C.strided_slice(x._c, starts, steps, list(x.shape)))
    if x.dtype == "float32":
        _record("strided_slice", (x,), out, None, (x.shape, starts, steps, list(x.shape)))
    return out


# ----------------------------------------------------------------------------- gather

def _indices(indices):
    if isinstance(indices, Tensor):
        if indices.dtype not in ("int32", "int64", "uint8"):
            raise TypeError(f"indices must be integers. Received: indices.dtype={indices.dtype}")
        return indices
    arr = np.asarray(indices)
    if arr.dtype.kind not in "iu":
        if arr.size == 0:
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"indices must be integers. Received: indices.dtype={arr.dtype}")
    return convert_to_tensor(arr)


def take(x, indices, axis=None):
    """Elements of `x` at `indices` along `axis` (of the flattened `x` when None).

    Negative indices count from the end; out-of-range ones raise ValueError.

    Example:

    >>> ops.take(np.array([[1., 2.], [3., 4.]]), [1, 0], axis=0).tolist()
    [[3.0, 4.0], [1.0, 2.0]]
    """
    return _take(x, indices, axis, True)


def take_rows(table, indices):
    """`take(table, indices, axis=0)` for embedding lookups: a negative index is an error
    (checked in C++, so a captured step checks it on every replay)."""
    return _take(table, indices, 0, False)


def _take(x, indices, axis, allow_negative):
    x = convert_to_tensor(x)
    idx = _indices(indices)
    if axis is None:
        x = ravel(x)
        axis = 0
    axis = _norm_axis(axis, x.ndim)
    out = wrap(_C.take(x._c, idx._c, axis, allow_negative))
    if x.dtype == "float32":
        _record("take", (x,), out, idx._c, (x.shape, axis))
    return out


def take_along_axis(x, indices, axis=None):
    """`np.take_along_axis`: picks one element per position along `axis`."""
    x = convert_to_tensor(x)
    idx = _indices(indices)
    if axis is None:
        x = ravel(x)
        idx = ravel(idx)
        axis = 0
    axis = _norm_axis(axis, x.ndim)
    if idx.ndim != x.ndim:
        raise ValueError(f"indices must have the rank of x ({x.ndim}). "
                         f"Received: indices.shape={idx.shape}")
    # Broadcast the non-axis dims as NumPy does.
    shp = np.broadcast_shapes(x.shape[:axis] + (1,) + x.shape[axis + 1:],
                              idx.shape[:axis] + (1,) + idx.shape[axis + 1:])
    xs = shp[:axis] + (x.shape[axis],) + shp[axis + 1:]
    ids = shp[:axis] + (idx.shape[axis],) + shp[axis + 1:]
    if xs != x.shape:
        x = broadcast_to(x, xs)
    if ids != idx.shape:
        idx = broadcast_to(idx, ids)
    out = wrap(_C.take_along_axis(x._c, idx._c, axis))
    if x.dtype == "float32":
        _record("take_along_axis", (x,), out, idx._c, (x.shape, axis))
    return out


# ----------------------------------------------------------------------------- nonzero

def nonzero(x):
    """Tuple of int64 index tensors, one per dimension, of the nonzero elements."""
    return tuple(convert_to_tensor(i.astype(np.int64)) for i in np.nonzero(convert_to_tensor(x).numpy()))
