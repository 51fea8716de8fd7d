"""`nanquantile`, `nanpercentile`, `nanmedian`: quantiles of the non-NaN elements,
differentiable (sort, then gather at per-slice positions)."""

import numpy as np

from pyfastfit.ops import _math as m
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantile(s) (q in [0, 1], scalar or 1-D) over `axis`, ignoring NaN, as
    `np.nanquantile`; NaN for an all-NaN slice."""
    if method not in _METHODS:
        raise ValueError(f"nanquantile: `method` must be one of {_METHODS}. "
                         f"Received: method={method!r}")
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    qs = np.asarray(q.numpy() if hasattr(q, "numpy") else q, dtype=np.float64)
    if qs.ndim > 1 or ((qs < 0) | (qs > 1)).any():
        raise ValueError(f"nanquantile: `q` must be a scalar or 1-D with values in [0, 1]. "
                         f"Received: q={q!r}")
    nd = x.ndim
    axes = s._norm_axes(axis, nd)
    kept = [d for d in range(nd) if d not in axes]
    y = s.moveaxis(x, axes, list(range(nd - len(axes), nd))) if axes else x
    n = int(np.prod([x.shape[a] for a in axes])) if axes else 1
    y = s.sort(s.reshape(y, [x.shape[d] for d in kept] + [n]), axis=-1)  # NaN sort last
    valid = np.sum(~np.isnan(np.asarray(y._c)), axis=-1, keepdims=True)  # (..., 1)
    pos = qs.reshape(-1) * np.maximum(valid - 1, 0)  # (..., nq): per-slice positions
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
    if method == "lower":
        out = s.take_along_axis(y, lo, axis=-1)
    elif method == "higher":
        out = s.take_along_axis(y, np.ceil(pos).astype(np.int64), axis=-1)
    elif method == "nearest":
        out = s.take_along_axis(y, np.around(pos).astype(np.int64), axis=-1)
    else:
        if method == "midpoint":
            hi = np.ceil(pos).astype(np.int64)
            w = np.full(pos.shape, 0.5, np.float32)
        else:
            w = (pos - lo).astype(np.float32)
        a = s.take_along_axis(y, lo, axis=-1)
        b = s.take_along_axis(y, hi, axis=-1)
        # b - a is 0 at exact positions; where() keeps an inf endpoint from making NaN
        out = m.add(a, m.where(w > 0, m.multiply(m.subtract(b, a), w), 0.0))
    out = m.where(np.broadcast_to(valid == 0, out.shape), np.float32(np.nan), out)
    if keepdims:
        for a_ in axes:
            out = s.expand_dims(out, a_)
    out = s.moveaxis(out, -1, 0)  # the q axis first, as NumPy
    return s.reshape(out, out.shape[1:]) if qs.ndim == 0 else out


def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentile(s) (q in [0, 100]) over `axis`, ignoring NaN."""
    return nanquantile(x, np.asarray(q, np.float64) / 100.0, axis, method, keepdims)


def nanmedian(x, axis=None, keepdims=False):
    """The median over `axis`, ignoring NaN."""
    return nanquantile(x, 0.5, axis, "linear", keepdims)


__all__ = ["nanmedian", "nanpercentile", "nanquantile"]
