"""Shape, indexing and creation ops: reshape, transpose, slicing (`Tensor.__getitem__`),
concatenate, take, one_hot, top_k, sort, cast, zeros/ones/full, ...

Reshapes of contiguous tensors share storage; everything else runs one C++ kernel.
"""

import builtins
import math as _math
import operator

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor

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


__all__ = [
    "arange", "argsort", "broadcast_to", "cast", "concatenate", "expand_dims", "eye",
    "flatten", "flip", "full", "full_like", "getitem", "identity", "linspace", "moveaxis",
    "one_hot", "ones", "ones_like", "pad", "ravel", "repeat", "reshape", "roll", "slice", "sort",
    "split", "squeeze", "stack", "swapaxes", "take", "take_along_axis", "tile", "top_k",
    "transpose", "unstack", "zeros", "zeros_like",
]


# ----------------------------------------------------------------------------- updates, scatter

def slice_update(inputs, start_indices, updates):
    """A copy of `inputs` with the block starting at `start_indices` replaced by `updates`.

    Example:

    >>> ops.slice_update(np.zeros((2, 3)), (0, 1), np.ones((1, 2))).tolist()
    [[0.0, 1.0, 1.0], [0.0, 0.0, 0.0]]
    """
    x = convert_to_tensor(inputs)
    upd = cast(convert_to_tensor(updates), x.dtype)
    starts = [int(s) for s in np.asarray(start_indices).reshape(-1).tolist()]
    if len(starts) != x.ndim or upd.ndim != x.ndim:
        raise ValueError(f"start_indices and updates must have the rank of inputs ({x.ndim}). "
                         f"Received: start_indices={tuple(starts)}, updates.shape={upd.shape}")
    out = wrap(_C.slice_update(x._c, starts, upd._c))
    if x.dtype == "float32":
        _record("slice_update", (x, upd), out, None, (starts, upd.shape))
    return out


def _scatter_rows(values2d, flat_idx, n):
    """Sums rows of `values2d` (m, inner) into n rows at `flat_idx` (duplicates add)."""
    idx = _indices(flat_idx)
    out = wrap(_C.take_backward(values2d._c, idx._c, [n, values2d.shape[1]], 0))
    _record("scatter_rows", (values2d,), out, idx._c, None)
    return out


def _flat_rows(indices, shape):
    idx = np.asarray(indices.numpy() if isinstance(indices, Tensor) else indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"indices must be integers. Received: indices.dtype={idx.dtype}")
    if idx.ndim == 1:
        idx = idx[:, None]
    k = idx.shape[-1]
    if k > len(shape):
        raise ValueError(f"indices index {k} dimensions but shape {tuple(shape)} has {len(shape)}.")
    lead = tuple(shape[:k])
    idx2 = idx.reshape(-1, k)
    for d in range(k):
        if ((idx2[:, d] < 0) | (idx2[:, d] >= lead[d])).any():
            raise ValueError(f"indices out of bounds for dimension {d} of size {lead[d]}.")
    flat = np.ravel_multi_index(tuple(idx2.T), lead) if k else np.zeros(len(idx2), np.int64)
    return flat, idx.shape[:-1], int(np.prod(lead)), int(np.prod(shape[k:]))


def scatter(indices, values, shape):
    """Zeros of `shape` with `values` added at `indices` (`(N, k)` index tuples into the
    first k dims, as `tf.scatter_nd`); duplicate indices add up.

    Example:

    >>> ops.scatter([[0], [2]], [1.0, 2.0], (4,)).tolist()
    [1.0, 0.0, 2.0, 0.0]
    """
    shape = _shape_tuple(shape)
    v = convert_to_tensor(values)
    if v.dtype != "float32":
        return cast(scatter(indices, cast(v, "float32"), shape), v.dtype)
    flat, batch, n, inner = _flat_rows(indices, shape)
    v2 = reshape(v, (len(flat), inner))
    return reshape(_scatter_rows(v2, flat, n), shape)


def scatter_update(inputs, indices, updates):
    """`inputs` with the entries (or slices) at `indices` replaced by `updates`."""
    x = convert_to_tensor(inputs)
    flat, batch, n, inner = _flat_rows(indices, x.shape)
    keep = np.ones((n, 1), np.float32)
    keep[flat] = 0.0
    from pyfastfit.ops import _math as _m

    if x.dtype != "float32":
        return cast(scatter_update(cast(x, "float32"), indices, updates), x.dtype)
    # Last update wins for duplicate indices, as NumPy assignment.
    last = {}
    for i, f in enumerate(flat.tolist()):
        last[f] = i
    sel = np.array(sorted(last.values()), np.int64)
    upd = reshape(convert_to_tensor(updates, "float32"), (len(flat), inner))
    if len(sel) != len(flat):
        upd = take(upd, sel, axis=0)
    placed = _scatter_rows(upd, flat[sel], n)
    kept = _m.multiply(reshape(x, (n, inner)), keep)
    return reshape(_m.add(kept, placed), x.shape)


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sums the rows of `data` that share a segment id (ids in `[0, num_segments)`)."""
    x = convert_to_tensor(data)
    ids = np.asarray(segment_ids.numpy() if isinstance(segment_ids, Tensor) else segment_ids)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    if x.dtype != "float32":
        return cast(segment_sum(cast(x, "float32"), ids, num_segments), x.dtype)
    inner = int(np.prod(x.shape[1:]))
    valid = (ids >= 0) & (ids < num_segments)
    x2 = reshape(x, (x.shape[0], inner))
    if not valid.all():
        x2 = take(x2, np.flatnonzero(valid), axis=0)
        ids = ids[valid]
    return reshape(_scatter_rows(x2, ids.astype(np.int64), int(num_segments)),
                   (int(num_segments),) + x.shape[1:])


# ----------------------------------------------------------------------------- matrices

def _matrix_mask(x, k, lower):
    n, m = x.shape[-2:]
    mask = np.tri(n, m, k, dtype=bool) if lower else ~np.tri(n, m, k - 1, dtype=bool)
    from pyfastfit.ops import _math as _m

    return _m.where(mask, x, zeros((), x.dtype))


def tril(x, k=0):
    """Lower triangle of the last two dims (elements above the k-th diagonal zeroed)."""
    return _matrix_mask(convert_to_tensor(x), k, True)


def triu(x, k=0):
    """Upper triangle of the last two dims (elements below the k-th diagonal zeroed)."""
    return _matrix_mask(convert_to_tensor(x), k, False)


def diagonal(x, offset=0, axis1=0, axis2=1):
    """The `offset` diagonal over `axis1`/`axis2`, appended as the last axis (NumPy)."""
    x = convert_to_tensor(x)
    a1, a2 = _norm_axis(axis1, x.ndim, "axis1"), _norm_axis(axis2, x.ndim, "axis2")
    if a1 == a2:
        raise ValueError(f"axis1 and axis2 must differ. Received: axis1={axis1}, axis2={axis2}")
    y = moveaxis(x, (a1, a2), (-2, -1))
    n, m = y.shape[-2:]
    i = np.arange(builtins.max(0, builtins.min(n, m - offset) if offset >= 0 else builtins.min(n + offset, m)))
    rows, cols = (i, i + offset) if offset >= 0 else (i - offset, i)
    y = reshape(y, y.shape[:-2] + (n * m,))
    return take(y, rows * m + cols, axis=-1)


def trace(x, offset=0, axis1=0, axis2=1):
    """Sum of the `offset` diagonal."""
    from pyfastfit.ops._reduce import sum as _sum

    return _sum(diagonal(x, offset, axis1, axis2), axis=-1)


def diag(x, k=0):
    """The k-th diagonal of a matrix, or a matrix with `x` on its k-th diagonal."""
    x = convert_to_tensor(x)
    if x.ndim == 2:
        return diagonal(x, k)
    if x.ndim != 1:
        raise ValueError(f"diag expects a 1-D or 2-D tensor. Received: x.shape={x.shape}")
    n = x.shape[0] + builtins.abs(k)
    i = np.arange(x.shape[0])
    flat = (i + builtins.max(-k, 0)) * n + i + builtins.max(k, 0)
    if x.dtype != "float32":
        return convert_to_tensor(np.diag(x.numpy(), k))
    return reshape(_scatter_rows(reshape(x, (-1, 1)), flat, n * n), (n, n))


def vstack(xs):
    """Stacks tensors row-wise (1-D inputs become rows)."""
    ts = [convert_to_tensor(t) for t in xs]
    return concatenate([reshape(t, (1, -1)) if t.ndim < 2 else t for t in ts], axis=0)


def hstack(xs):
    """Stacks tensors column-wise (along axis 1, or axis 0 for 1-D inputs)."""
    ts = [convert_to_tensor(t) for t in xs]
    return concatenate(ts, axis=0 if ts and ts[0].ndim == 1 else 1)


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


def nonzero(x):
    """Tuple of int64 index tensors, one per dimension, of the nonzero elements."""
    return tuple(convert_to_tensor(i.astype(np.int64)) for i in np.nonzero(convert_to_tensor(x).numpy()))


def bincount(x, weights=None, minlength=0):
    """Counts of each non-negative integer in 1-D `x` (weighted when `weights` given)."""
    a = convert_to_tensor(x).numpy()
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise ValueError(f"bincount expects a 1-D integer tensor. Received: shape={a.shape}, "
                         f"dtype={a.dtype}")
    if weights is None:
        return convert_to_tensor(np.bincount(a, minlength=minlength).astype(np.int32))
    return segment_sum(weights, a, builtins.max(int(minlength), int(a.max()) + 1 if a.size else 0))


__all__ += [
    "bincount", "diag", "diagonal", "hstack", "meshgrid", "nonzero", "scatter",
    "scatter_update", "segment_sum", "slice_update", "trace", "tril", "triu", "vstack",
]
