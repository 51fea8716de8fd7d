"""Dense linear systems (`keras.ops.linalg`): inv, solve, solve_triangular, det, slogdet,
logdet, cholesky.

The factorizations run in NumPy's LAPACK (float64, then float32 out: these are O(n^3)
per matrix, so the conversion is noise) and every op records an analytic backward rule
(`autodiff/vjps/linalg.py`). All take batches of matrices (`(..., M, M)`).
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def _square(x, name, op):
    t = convert_to_tensor(x)
    if t.dtype != "float32":
        t = convert_to_tensor(t, "float32")
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(
            f"{op}: `{name}` must be a square matrix or a batch of them (shape (..., M, M)). "
            f"Received: {name}.shape={t.shape}")
    return t


def _f64(t):
    return np.asarray(t._c, dtype=np.float64)


def _out(a):
    return wrap(_C.from_numpy(np.array(a, dtype=np.float32, order="C")))


def _lapack(fn, op, *args):
    try:
        return fn(*args)
    except np.linalg.LinAlgError as e:
        raise ValueError(f"{op}: {e}. Received: matrices of shape "
                         f"{[np.shape(a) for a in args]}") from None


def inv(x):
    """Inverse of a square matrix (or of each matrix in a batch).

    Raises ValueError for a singular matrix.

    Example:

    >>> ops.linalg.inv([[2.0, 0.0], [0.0, 4.0]]).numpy()
    array([[0.5 , 0.  ],
           [0.  , 0.25]], dtype=float32)
    """
    t = _square(x, "x", "inv")
    out = _out(_lapack(np.linalg.inv, "inv", _f64(t)))
    if _state.tapes:
        record("linalg_inv", (t,), out, out._c)
    return out


def _rhs(a, b, op):
    bt = convert_to_tensor(b)
    if bt.dtype != "float32":
        bt = convert_to_tensor(bt, "float32")
    m = a.shape[-1]
    vector = bt.ndim == 1
    if (vector and bt.shape[0] != m) or (not vector and (bt.ndim < 2 or bt.shape[-2] != m)):
        raise ValueError(
            f"{op}: `b` must have shape ({m},) or (..., {m}, K) to match a of shape "
            f"{a.shape}. Received: b.shape={bt.shape}")
    return bt, vector


def _solve64(a64, b64, vector):
    # NumPy 2 treats a 1-D b as one vector; a batched b keeps its own last axis.
    if vector:
        return np.linalg.solve(a64, b64[..., None])[..., 0]
    return np.linalg.solve(a64, b64)


def solve(a, b):
    """Solves `a @ x = b` for x. `b` is `(M,)` or `(..., M, K)`, as NumPy 2.

    Example:

    >>> ops.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [2.0, 2.0]).numpy()
    array([1. , 0.5], dtype=float32)
    """
    at = _square(a, "a", "solve")
    bt, vector = _rhs(at, b, "solve")
    out = _out(_lapack(_solve64, "solve", _f64(at), _f64(bt), vector))
    if _state.tapes:
        record("linalg_solve", (at, bt), out, (at._c, out._c), (vector, None))
    return out


def solve_triangular(a, b, lower=False):
    """Solves `a @ x = b` where `a` is triangular (only its `lower` or upper triangle is
    read, as Keras/SciPy). `b` is `(M,)` or `(..., M, K)`.

    Example:

    >>> ops.linalg.solve_triangular([[2.0, 9.0], [1.0, 4.0]], [4.0, 8.0], lower=True).numpy()
    array([2. , 1.5], dtype=float32)
    """
    at = _square(a, "a", "solve_triangular")
    bt, vector = _rhs(at, b, "solve_triangular")
    tri = np.tril if lower else np.triu
    a64 = tri(_f64(at))
    out = _out(_lapack(_solve64, "solve_triangular", a64, _f64(bt), vector))
    if _state.tapes:
        record("linalg_solve", (at, bt), out, (_C.from_numpy(a64.astype(np.float32)), out._c),
               (vector, bool(lower)))
    return out


def _adjugate(a64):
    """adj(A) from the SVD: exact at singular matrices too, where det's gradient
    (adj(A)^T) is still defined but inv(A) is not."""
    if a64.shape[-1] == 0:
        return np.zeros_like(a64)
    u, s, vt = np.linalg.svd(a64)
    ones = np.ones(s.shape[:-1] + (1,))
    before = np.cumprod(np.concatenate([ones, s[..., :-1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    others = before * after  # prod_{j != i} s_j without dividing by s_i
    sign = np.linalg.det(u) * np.linalg.det(vt)
    adj = np.swapaxes(vt, -1, -2) @ (others[..., :, None] * np.swapaxes(u, -1, -2))
    return adj * sign[..., None, None]


def det(x):
    """Determinant of a square matrix (or of each matrix in a batch).

    Example:

    >>> float(ops.linalg.det([[1.0, 2.0], [3.0, 4.0]]))
    -2.0
    """
    t = _square(x, "x", "det")
    a64 = _f64(t)
    out = _out(np.linalg.det(a64))
    if _state.tapes:
        record("linalg_det", (t,), out, _out(np.swapaxes(_adjugate(a64), -1, -2))._c)
    return out


def slogdet(x):
    """`(sign, log|det|)` of a square matrix (or batch), as `np.linalg.slogdet`.

    Example:

    >>> sign, logabs = ops.slogdet([[-2.0, 0.0], [0.0, 1.0]])
    >>> float(sign), round(float(logabs), 4)
    (-1.0, 0.6931)
    """
    t = _square(x, "x", "slogdet")
    a64 = _f64(t)
    sign, logabs = np.linalg.slogdet(a64)
    s, la = _out(sign), _out(logabs)
    if _state.tapes:
        record("linalg_logdet", (t,), la, _inv_t_or_nan(a64))
    return s, la


def logdet(x):
    """log(det(x)) for Hermitian positive-definite `x` (`keras.ops.logdet`); NaN where the
    determinant is negative, -inf where it is zero.

    Example:

    >>> round(float(ops.logdet([[2.0, 0.0], [0.0, 2.0]])), 4)
    1.3863
    """
    t = _square(x, "x", "logdet")
    a64 = _f64(t)
    sign, logabs = np.linalg.slogdet(a64)
    out = _out(np.where(sign > 0, logabs, np.where(sign == 0, -np.inf, np.nan)))
    if _state.tapes:
        record("linalg_logdet", (t,), out, _inv_t_or_nan(a64))
    return out


def _inv_t_or_nan(a64):
    # d log|det A| / dA = inv(A)^T; at a singular matrix it is undefined (NaN).
    with np.errstate(all="ignore"):
        try:
            inv64 = np.linalg.inv(a64)
        except np.linalg.LinAlgError:
            inv64 = np.full_like(a64, np.nan)
    return _out(np.swapaxes(inv64, -1, -2))._c


def cholesky(x, upper=False):
    """Cholesky factor of a symmetric positive-definite matrix (or batch): lower `L`
    with `x = L @ L.T`, or the upper factor `L.T` when `upper`. Only the lower triangle
    of `x` is read; ValueError when `x` is not positive definite.

    Example:

    >>> ops.linalg.cholesky([[4.0, 2.0], [2.0, 5.0]]).numpy()
    array([[2., 0.],
           [1., 2.]], dtype=float32)
    """
    t = _square(x, "x", "cholesky")
    lower = _lapack(np.linalg.cholesky, "cholesky", _f64(t))
    out = _out(np.swapaxes(lower, -1, -2) if upper else lower)
    if _state.tapes:
        record("linalg_cholesky", (t,), out, _out(lower)._c, bool(upper))
    return out


__all__ = ["cholesky", "det", "inv", "logdet", "slogdet", "solve", "solve_triangular"]
