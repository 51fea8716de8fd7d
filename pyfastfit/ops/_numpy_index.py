"""NumPy-named ops whose results are indices, sets, counts or integers (not
differentiable in Keras either): isin, searchsorted, digitize, unique, argpartition,
unravel_index, histogram, gcd, lcm, nextafter, nanargmax, nanargmin, and the window
functions. They run in NumPy at the edge; no per-element Python.
"""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.ops._core import convert_to_tensor


def _np(x):
    return np.asarray(x._c) if isinstance(x, Tensor) else np.asarray(x)


def _out(a, dtype=None):
    a = np.asarray(a)
    if dtype is not None:
        a = a.astype(dtype)
    elif a.dtype == np.float64:
        a = a.astype(np.float32)
    return convert_to_tensor(np.ascontiguousarray(a) if a.ndim else a)


def isin(x1, x2, assume_unique=False, invert=False):
    """True where an element of `x1` is in `x2`."""
    return _out(np.isin(_np(x1), _np(x2), assume_unique=assume_unique, invert=invert))


def searchsorted(sorted_sequence, values, side="left"):
    """Indices (int32) where `values` would be inserted to keep a 1-D sorted sequence
    sorted."""
    seq = _np(sorted_sequence)
    if seq.ndim != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D. "
                         f"Received: sorted_sequence.shape={seq.shape}")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right'. "
                         f"Received: side={side!r}")
    return _out(np.searchsorted(seq, _np(values), side=side), "int32")


def digitize(x, bins):
    """Index (int32) of the bin of each element (`bins` increasing)."""
    return _out(np.digitize(_np(x), _np(bins)), "int32")


def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The sorted unique elements of `x` (optionally with first indices, the inverse map
    and counts, as `np.unique`). `size` pads (with `fill_value`, default the smallest
    value) or truncates the result to a fixed length."""
    res = np.unique(_np(x), return_index=return_index, return_inverse=return_inverse,
                    return_counts=return_counts, axis=axis)
    res = list(res) if isinstance(res, tuple) else [res]
    if size is not None:
        vals = res[0]
        n = vals.shape[0]
        if n < size:
            fill = vals.min(axis=0, keepdims=True) if fill_value is None and n else fill_value
            pad = np.broadcast_to(np.asarray(0 if fill is None else fill, vals.dtype),
                                  (size - n,) + vals.shape[1:])
            res[0] = np.concatenate([vals, pad])
            k = 1
            if return_index:
                res[k] = np.concatenate([res[k], np.zeros(size - n, res[k].dtype)])
                k += 1
            if return_inverse:
                k += 1
            if return_counts:
                res[k] = np.concatenate([res[k], np.zeros(size - n, res[k].dtype)])
        else:
            res[0] = vals[:size]
    outs = [_out(res[0])] + [_out(r, "int32") for r in res[1:]]
    return outs[0] if len(outs) == 1 else tuple(outs)


def argpartition(x, kth, axis=-1):
    """Indices (int32) that partition `x` around its `kth` element along `axis`."""
    return _out(np.argpartition(_np(x), kth, axis=axis), "int32")


def unravel_index(indices, shape):
    """Flat indices to a tuple of coordinate tensors (int32) for `shape`."""
    return tuple(_out(c, "int32") for c in np.unravel_index(_np(indices), tuple(shape)))


def histogram(x, bins=10, range=None):  # noqa: A002  (NumPy's argument name)
    """(counts, bin_edges) of the flattened `x`, as `np.histogram`."""
    counts, edges = np.histogram(_np(x), bins=bins, range=range)
    return _out(counts, "float32"), _out(edges, "float32")


def gcd(x1, x2):
    """Greatest common divisor of integers."""
    return _out(np.gcd(_np(x1), _np(x2)))


def lcm(x1, x2):
    """Least common multiple of integers."""
    return _out(np.lcm(_np(x1), _np(x2)))


def nextafter(x1, x2):
    """The next float32 after `x1` towards `x2`."""
    return _out(np.nextafter(_np(x1).astype(np.float32), _np(x2).astype(np.float32)))


def _nanarg(fn, x, axis, keepdims, fill):
    a = _np(x).astype(np.float32)
    a = np.where(np.isnan(a), np.float32(fill), a)
    return _out(fn(a, axis=axis, keepdims=keepdims), "int32")


def nanargmax(x, axis=None, keepdims=False):
    """Index (int32) of the maximum, ignoring NaN."""
    return _nanarg(np.argmax, x, axis, keepdims, -np.inf)


def nanargmin(x, axis=None, keepdims=False):
    """Index (int32) of the minimum, ignoring NaN."""
    return _nanarg(np.argmin, x, axis, keepdims, np.inf)


def _window(fn, x, *args):
    return _out(fn(int(x), *args), "float32")


def bartlett(x):
    """The Bartlett (triangular) window of `x` points."""
    return _window(np.bartlett, x)


def blackman(x):
    """The Blackman window of `x` points."""
    return _window(np.blackman, x)


def hamming(x):
    """The Hamming window of `x` points."""
    return _window(np.hamming, x)


def hanning(x):
    """The Hann window of `x` points."""
    return _window(np.hanning, x)


def kaiser(x, beta):
    """The Kaiser window of `x` points with shape `beta`."""
    return _window(np.kaiser, x, float(beta))


__all__ = [
    "argpartition", "bartlett", "blackman", "digitize", "gcd", "hamming", "hanning",
    "histogram", "isin", "kaiser", "lcm", "nanargmax", "nanargmin", "nextafter",
    "searchsorted", "unique", "unravel_index",
]
