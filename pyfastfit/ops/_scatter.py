"""Update and scatter ops: slice_update, scatter, scatter_update, segment_sum and
bincount. Scatters add rows into a zero tensor with one C++ kernel (the backward of
`take`), so duplicate indices add up.
"""

import builtins

import numpy as np

from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._creation import cast
from pyfastfit.ops._indexing import _indices, take
from pyfastfit.ops._reshape import reshape
from pyfastfit.ops._shape_args import _record, _shape_tuple


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


# ----------------------------------------------------------------------------- counting

def bincount(x, weights=None, minlength=0):
    """Counts of each non-negative integer in 1-D `x` (weighted when `weights` given)."""
    a = convert_to_tensor(x).numpy()
    if a.ndim != 1 or a.dtype.kind not in "iub":
        raise ValueError(f"bincount expects a 1-D integer tensor. Received: shape={a.shape}, "
                         f"dtype={a.dtype}")
    if weights is None:
        return convert_to_tensor(np.bincount(a, minlength=minlength).astype(np.int32))
    return segment_sum(weights, a, builtins.max(int(minlength), int(a.max()) + 1 if a.size else 0))
