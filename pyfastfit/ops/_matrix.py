"""Matrix-structure ops over the last two (or two chosen) dimensions: tril, triu,
diagonal, trace, diag.
"""

import builtins

import numpy as np

from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._creation import zeros
from pyfastfit.ops._indexing import take
from pyfastfit.ops._reshape import moveaxis, reshape
from pyfastfit.ops._scatter import _scatter_rows
from pyfastfit.ops._shape_args import _norm_axis


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
