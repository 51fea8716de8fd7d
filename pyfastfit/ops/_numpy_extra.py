"""More NumPy-named ops of `keras.ops.numpy`, composed from the differentiable kernels
(so their gradients come from the parts): angles, flips, products, differences,
NaN-ignoring reductions, creation helpers, real-number views of complex-named ops.
"""

import math as _pymath

import numpy as np

from pyfastfit.core import Tensor, wrap
from pyfastfit.ops import _linalg as la
from pyfastfit.ops import _math as m
from pyfastfit.ops import _reduce as r
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor


def _t(x):
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _f(x):
    x = _t(x)
    return x if x.dtype == "float32" else convert_to_tensor(x, "float32")


def ndim(x):
    """Number of dimensions of `x`."""
    return _t(x).ndim


def get_item(x, key):
    """`x[key]` (Keras's name for indexing), NumPy semantics, differentiable."""
    return s.getitem(x, key)


def stop_gradient(variable):
    """The value of `variable` as a tensor that gradients do not flow through."""
    return wrap(_t(variable)._c)


def copy(x):
    """A copy of `x` (gradients flow through)."""
    x = _t(x)
    return m.add(x, s.zeros((), x.dtype)) if x.dtype != "bool" else m.logical_and(x, True)


def real(x):
    """The real part: `x` itself (pyfastfit tensors are real)."""
    return copy(x)


def conjugate(x):
    """The complex conjugate: `x` itself (pyfastfit tensors are real)."""
    return copy(x)


conj = conjugate


def imag(x):
    """The imaginary part: zeros (pyfastfit tensors are real)."""
    return s.zeros_like(x)


def isreal(x):
    """True everywhere (pyfastfit tensors are real)."""
    return s.ones_like(x, dtype="bool")


def angle(x):
    """The argument of each (real) element: pi where negative, else 0 (as Keras 3)."""
    return m.where(m.less(_f(x), 0.0), _pymath.pi, 0.0)


def fabs(x):
    """Absolute value as float32."""
    return m.abs(_f(x))


def deg2rad(x):
    """Degrees to radians."""
    return m.multiply(_f(x), _pymath.pi / 180.0)


def rad2deg(x):
    """Radians to degrees."""
    return m.multiply(_f(x), 180.0 / _pymath.pi)


def sinc(x):
    """sin(pi x) / (pi x), 1 at 0."""
    x = _f(x)
    px = m.multiply(x, _pymath.pi)
    zero = m.equal(x, 0.0)
    safe = m.where(zero, 1.0, px)
    return m.where(zero, 1.0, m.divide(m.sin(safe), safe))


def signbit(x):
    """True where the sign bit is set (negative numbers, -0.0 and negative NaN)."""
    x = _t(x)
    if x.dtype == "float32":
        return convert_to_tensor(np.signbit(np.asarray(x)))
    return m.less(x, 0)


def isposinf(x):
    """True at +inf."""
    return m.logical_and(m.isinf(x), m.greater(x, 0))


def isneginf(x):
    """True at -inf."""
    return m.logical_and(m.isinf(x), m.less(x, 0))


def heaviside(x1, x2):
    """0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0."""
    x1 = _f(x1)
    return m.where(m.less(x1, 0.0), 0.0, m.where(m.greater(x1, 0.0), 1.0, x2))


def logaddexp2(x1, x2):
    """log2(2**x1 + 2**x2), without overflow."""
    ln2 = _pymath.log(2.0)
    return m.divide(m.logaddexp(m.multiply(_f(x1), ln2), m.multiply(_f(x2), ln2)), ln2)


def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    x1, x2 = _f(x1), _f(x2)
    return m.where(m.isnan(x1), x2, m.where(m.isnan(x2), x1, m.maximum(x1, x2)))


def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    x1, x2 = _f(x1), _f(x2)
    return m.where(m.isnan(x1), x2, m.where(m.isnan(x2), x1, m.minimum(x1, x2)))


def fmod(x1, x2):
    """Remainder with the sign of the dividend (C's fmod), as `np.fmod`."""
    x1, x2 = _f(x1), _f(x2)
    return m.subtract(x1, m.multiply(m.trunc(m.divide(x1, x2)), x2))


def fliplr(x):
    """Reverses axis 1."""
    return s.flip(x, 1)


def flipud(x):
    """Reverses axis 0."""
    return s.flip(x, 0)


def rot90(array, k=1, axes=(0, 1)):
    """Rotates by 90 degrees `k` times in the plane of `axes`, as `np.rot90`."""
    x = _t(array)
    a0, a1 = (s._norm_axis(a, x.ndim, "axes") for a in axes)
    if a0 == a1:
        raise ValueError(f"rot90: `axes` must be two different axes. Received: axes={axes!r}")
    k %= 4
    if k == 0:
        return copy(x)
    if k == 2:
        return s.flip(s.flip(x, a0), a1)
    perm = list(range(x.ndim))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    if k == 1:
        return s.transpose(s.flip(x, a1), perm)
    return s.flip(s.transpose(x, perm), a1)


def ptp(x, axis=None, keepdims=False):
    """max - min along `axis`."""
    return m.subtract(r.max(x, axis=axis, keepdims=keepdims),
                      r.min(x, axis=axis, keepdims=keepdims))


def outer(x1, x2):
    """Outer product of the flattened inputs."""
    return m.multiply(s.reshape(_f(x1), (-1, 1)), s.reshape(_f(x2), (1, -1)))


def inner(x1, x2):
    """Sum product over the last axes (scalars multiply)."""
    x1, x2 = _f(x1), _f(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return m.multiply(x1, x2)
    return tensordot(x1, x2, axes=([x1.ndim - 1], [x2.ndim - 1]))


def vdot(x1, x2):
    """Dot product of the flattened inputs."""
    return r.sum(m.multiply(s.ravel(_f(x1)), s.ravel(_f(x2))))


def tensordot(x1, x2, axes=2):
    """Sum product over `axes` (an int: the last `axes` of x1 with the first of x2; or a
    pair of axis lists), as `np.tensordot`; one GEMM."""
    a, b = _f(x1), _f(x2)
    if isinstance(axes, int):
        if axes < 0 or axes > min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: `axes` must be in [0, {min(a.ndim, b.ndim)}]. "
                             f"Received: axes={axes}")
        ax_a, ax_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        ax_a, ax_b = ([x] if isinstance(x, int) else list(x) for x in axes)
        ax_a = [s._norm_axis(i, a.ndim, "axes") for i in ax_a]
        ax_b = [s._norm_axis(i, b.ndim, "axes") for i in ax_b]
    if [a.shape[i] for i in ax_a] != [b.shape[i] for i in ax_b]:
        raise ValueError(f"tensordot: contracted sizes differ: {[a.shape[i] for i in ax_a]} "
                         f"vs {[b.shape[i] for i in ax_b]}. Received: axes={axes!r}")
    free_a = [i for i in range(a.ndim) if i not in ax_a]
    free_b = [i for i in range(b.ndim) if i not in ax_b]
    k = int(np.prod([a.shape[i] for i in ax_a]))
    am = s.reshape(s.transpose(a, free_a + ax_a), (-1, k))
    bm = s.reshape(s.transpose(b, ax_b + free_b), (k, -1))
    out = la.matmul(am, bm)
    return s.reshape(out, tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


def diff(a, n=1, axis=-1):
    """n-th discrete difference along `axis`."""
    x = _t(a)
    axis = s._norm_axis(axis, x.ndim)
    for _ in range(n):
        hi = [slice(None)] * x.ndim
        lo = [slice(None)] * x.ndim
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        x = m.subtract(x[tuple(hi)], x[tuple(lo)])
    return x


def diagflat(x, k=0):
    """2-D tensor with the flattened `x` on diagonal `k`."""
    return s.diag(s.ravel(x), k)


def tri(N, M=None, k=0, dtype=None):
    """Ones at and below diagonal `k` of an N x M matrix."""
    return s.tril(s.ones((N, N if M is None else M), dtype or "float32"), k)


def empty(shape, dtype=None):
    """A tensor of `shape` (filled with zeros: pyfastfit never exposes uninitialized
    memory)."""
    return s.zeros(shape, dtype)


def empty_like(x, dtype=None):
    """A tensor shaped like `x` (zeros)."""
    return s.zeros_like(x, dtype)


def array(x, dtype=None):
    """A tensor from array-like `x`."""
    return convert_to_tensor(x, dtype)


def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened when None)."""
    if axis is None:
        return s.concatenate([s.ravel(x1), s.ravel(x2)], axis=0)
    return s.concatenate([x1, x2], axis=axis)


def array_split(x, indices_or_sections, axis=0):
    """Splits into `indices_or_sections` parts of sizes differing by at most one."""
    x = _t(x)
    axis = s._norm_axis(axis, x.ndim)
    n = int(indices_or_sections)
    if n <= 0:
        raise ValueError(f"array_split: `indices_or_sections` must be positive. "
                         f"Received: indices_or_sections={indices_or_sections!r}")
    size = x.shape[axis]
    base, extra = divmod(size, n)
    bounds = np.cumsum([base + 1] * extra + [base] * (n - extra))[:-1].tolist()
    return s.split(x, bounds, axis=axis)


def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`base ** linspace(start, stop, num)`."""
    return m.power(float(base), s.linspace(start, stop, num, endpoint, dtype=dtype, axis=axis))


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """Numbers spaced evenly on a log scale from `start` to `stop` (same sign)."""
    start, stop = float(start), float(stop)
    if start == 0 or stop == 0 or (start < 0) != (stop < 0):
        raise ValueError(f"geomspace: `start` and `stop` must be non-zero with the same "
                         f"sign. Received: start={start}, stop={stop}")
    sign = -1.0 if start < 0 else 1.0
    lin = s.linspace(_pymath.log(abs(start)), _pymath.log(abs(stop)), num, endpoint,
                     dtype=dtype, axis=axis)
    return m.multiply(sign, m.exp(lin))


def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentile(s) (q in [0, 100]) along `axis`."""
    return r.quantile(x, np.asarray(q, np.float64) / 100.0, axis=axis, method=method,
                      keepdims=keepdims)


def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of `y` along `axis` by the trapezoidal rule."""
    y = _f(y)
    axis = s._norm_axis(axis, y.ndim)
    hi = [slice(None)] * y.ndim
    lo = [slice(None)] * y.ndim
    hi[axis], lo[axis] = slice(1, None), slice(None, -1)
    avg = m.multiply(m.add(y[tuple(hi)], y[tuple(lo)]), 0.5)
    if x is None:
        return m.multiply(r.sum(avg, axis=axis), float(dx))
    d = diff(_f(x), axis=-1)
    if d.ndim == 1 and y.ndim > 1:
        shape = [1] * y.ndim
        shape[axis] = -1
        d = s.reshape(d, shape)
    return r.sum(m.multiply(avg, d), axis=axis)


def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True when every element is close (`isclose`)."""
    return r.all(m.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _nan_fill(x, value):
    x = _f(x)
    return m.where(m.isnan(x), value, x)


def nansum(x, axis=None, keepdims=False):
    """Sum treating NaN as 0."""
    return r.sum(_nan_fill(x, 0.0), axis=axis, keepdims=keepdims)


def nanprod(x, axis=None, keepdims=False):
    """Product treating NaN as 1."""
    return r.prod(_nan_fill(x, 1.0), axis=axis, keepdims=keepdims)


def nanmean(x, axis=None, keepdims=False):
    """Mean of the non-NaN elements (NaN where all are NaN)."""
    x = _f(x)
    count = r.sum(s.cast(m.logical_not(m.isnan(x)), "float32"), axis=axis, keepdims=keepdims)
    return m.divide(nansum(x, axis, keepdims), count)


def nanmax(x, axis=None, keepdims=False):
    """Max of the non-NaN elements (NaN where all are NaN)."""
    x = _f(x)
    out = r.max(_nan_fill(x, -np.inf), axis=axis, keepdims=keepdims)
    return m.where(r.all(m.isnan(x), axis=axis, keepdims=keepdims), np.nan, out)


def nanmin(x, axis=None, keepdims=False):
    """Min of the non-NaN elements (NaN where all are NaN)."""
    x = _f(x)
    out = r.min(_nan_fill(x, np.inf), axis=axis, keepdims=keepdims)
    return m.where(r.all(m.isnan(x), axis=axis, keepdims=keepdims), np.nan, out)


def nanvar(x, axis=None, keepdims=False):
    """Variance of the non-NaN elements."""
    x = _f(x)
    mean = nanmean(x, axis, keepdims=True)
    return nanmean(m.square(m.subtract(x, mean)), axis, keepdims)


def nanstd(x, axis=None, keepdims=False):
    """Standard deviation of the non-NaN elements."""
    return m.sqrt(nanvar(x, axis, keepdims))


def nancumsum(x, axis=None, dtype=None):
    """Cumulative sum treating NaN as 0."""
    return r.cumsum(_nan_fill(x, 0.0), axis=axis, dtype=dtype)


def nancumprod(x, axis=None, dtype=None):
    """Cumulative product treating NaN as 1."""
    return r.cumprod(_nan_fill(x, 1.0), axis=axis, dtype=dtype)


__all__ = [
    "angle", "allclose", "append", "array", "array_split", "conj", "conjugate", "copy", "deg2rad",
    "diagflat", "diff", "empty", "empty_like", "fabs", "fliplr", "flipud", "fmax", "fmin",
    "fmod", "geomspace", "get_item", "heaviside", "imag", "inner", "isneginf", "isposinf",
    "isreal", "logaddexp2", "logspace", "nancumprod", "nancumsum", "nanmax", "nanmean",
    "nanmin", "nanprod", "nanstd", "nansum", "nanvar", "ndim", "outer", "percentile", "ptp",
    "rad2deg", "real", "rot90", "signbit", "sinc", "stop_gradient", "tensordot", "trapezoid",
    "tri", "vdot",
]
