"""NumPy-named array builders and splitters composed from differentiable ops: select,
vsplit/hsplit/dsplit, dstack, kron, vander, cross, corrcoef, ldexp, saturate_cast."""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.ops import _math as m
from pyfastfit.ops import _reduce as r
from pyfastfit.ops import _shape as s
from pyfastfit.ops._linalg import matmul
from pyfastfit.ops._core import convert_to_tensor


def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _f(x):
    x = _t(x)
    return x if x.dtype == "float32" else convert_to_tensor(x, "float32")


def select(condlist, choicelist, default=0):
    """The element of the first true condition's choice, else `default` (np.select)."""
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(f"select: `condlist` and `choicelist` must be non-empty and of "
                         f"the same length. Received: {len(condlist)} conditions and "
                         f"{len(choicelist)} choices")
    out = default
    for cond, choice in zip(reversed(condlist), reversed(choicelist)):
        out = m.where(cond, choice, out)
    return _t(out)


def _split_along(x, indices_or_sections, axis, name, min_rank):
    x = _t(x)
    if x.ndim < min_rank:
        raise ValueError(f"{name}: `x` must have at least {min_rank} dimensions. "
                         f"Received: x.shape={x.shape}")
    return s.split(x, indices_or_sections, axis=axis)


def vsplit(x, indices_or_sections):
    """Splits along axis 0."""
    return _split_along(x, indices_or_sections, 0, "vsplit", 2)


def hsplit(x, indices_or_sections):
    """Splits along axis 1 (axis 0 for 1-D)."""
    x = _t(x)
    return _split_along(x, indices_or_sections, 1 if x.ndim > 1 else 0, "hsplit", 1)


def dsplit(x, indices_or_sections):
    """Splits along axis 2."""
    return _split_along(x, indices_or_sections, 2, "dsplit", 3)


def dstack(xs):
    """Stacks along axis 2 (1-D inputs become (1, N, 1), 2-D (M, N, 1))."""
    parts = []
    for x in xs:
        x = _t(x)
        if x.ndim == 0:
            x = s.reshape(x, (1, 1, 1))
        elif x.ndim == 1:
            x = s.reshape(x, (1, -1, 1))
        elif x.ndim == 2:
            x = s.expand_dims(x, 2)
        parts.append(x)
    return s.concatenate(parts, axis=2)


def kron(x1, x2):
    """Kronecker product, as `np.kron`."""
    a, b = _f(x1), _f(x2)
    nd = max(a.ndim, b.ndim)
    a = s.reshape(a, (1,) * (nd - a.ndim) + a.shape)
    b = s.reshape(b, (1,) * (nd - b.ndim) + b.shape)
    # a[i, 1, j, 1] * b[1, k, 1, l] -> (i*k, j*l)
    a_shape = tuple(d for n in a.shape for d in (n, 1))
    b_shape = tuple(d for n in b.shape for d in (1, n))
    out = m.multiply(s.reshape(a, a_shape), s.reshape(b, b_shape))
    return s.reshape(out, tuple(p * q for p, q in zip(a.shape, b.shape)))


def vander(x, N=None, increasing=False):
    """Vandermonde matrix of the 1-D `x`: columns x^(N-1) ... x^0 (reversed when
    `increasing`)."""
    x = _f(x)
    if x.ndim != 1:
        raise ValueError(f"vander: `x` must be 1-D. Received: x.shape={x.shape}")
    n = x.shape[0] if N is None else int(N)
    powers = np.arange(n, dtype=np.float32)
    if not increasing:
        powers = powers[::-1].copy()
    return m.power(s.expand_dims(x, 1), powers)


def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors, giving the z component) along the
    given axes, as `np.cross`."""
    if axis is not None:
        axisa = axisb = axisc = axis
    a = s.moveaxis(_f(x1), axisa, -1)
    b = s.moveaxis(_f(x2), axisb, -1)
    na, nb = a.shape[-1], b.shape[-1]
    if na not in (2, 3) or nb not in (2, 3):
        raise ValueError(f"cross: the vector axes must have size 2 or 3. Received: "
                         f"x1.shape={_t(x1).shape}, x2.shape={_t(x2).shape}")

    def comp(v, i, n):
        return v[..., i] if i < n else s.zeros_like(v[..., 0])

    a0, a1, a2 = (comp(a, i, na) for i in range(3))
    b0, b1, b2 = (comp(b, i, nb) for i in range(3))
    z = m.subtract(m.multiply(a0, b1), m.multiply(a1, b0))
    if na == 2 and nb == 2:
        return z
    xc = m.subtract(m.multiply(a1, b2), m.multiply(a2, b1))
    yc = m.subtract(m.multiply(a2, b0), m.multiply(a0, b2))
    return s.moveaxis(s.stack([xc, yc, z], axis=-1), -1, axisc)


def corrcoef(x):
    """Pearson correlation coefficients of the rows of `x` (variables in rows)."""
    x = _f(x)
    if x.ndim == 1:
        x = s.expand_dims(x, 0)
    c = m.subtract(x, r.mean(x, axis=1, keepdims=True))
    cov = matmul(c, s.transpose(c))
    d = m.sqrt(s.diagonal(cov))
    out = m.divide(m.divide(cov, s.expand_dims(d, 1)), s.expand_dims(d, 0))
    out = m.clip(out, -1.0, 1.0)
    return s.reshape(out, ()) if out.shape == (1, 1) else out


def ldexp(x1, x2):
    """x1 * 2**x2 (x2 integer)."""
    x2 = _t(x2)
    if x2.dtype not in ("int32", "int64", "uint8"):
        raise TypeError(f"ldexp: `x2` must be an integer tensor. Received: dtype={x2.dtype}")
    return m.multiply(_f(x1), m.power(2.0, s.cast(x2, "float32")))


def saturate_cast(x, dtype):
    """Casts to `dtype`, clipping to its range first (no wrap-around)."""
    x = _t(x)
    target = s._dtype_name(dtype)
    if target in ("int32", "int64", "uint8") and x.dtype == "float32":
        info = np.iinfo(target)
        hi = float(info.max)
        if int(np.float32(hi)) != info.max:
            # float32 rounds int32/int64's max up (out of range): use the float32 below it
            hi = float(np.nextafter(np.float32(hi), np.float32(0)))
        x = m.clip(x, float(info.min), hi)
    elif target == "uint8" and x.dtype in ("int32", "int64"):
        x = m.clip(x, 0, 255)
    return s.cast(x, target)


__all__ = ["corrcoef", "cross", "dsplit", "dstack", "hsplit", "kron", "ldexp", "saturate_cast",
           "select", "vander", "vsplit"]
