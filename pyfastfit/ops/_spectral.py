"""Spectral and least-squares linear algebra (`keras.ops.linalg`): eigh, pinv, lstsq,
matrix_rank, cholesky_inverse.

As in `_solve.py`: NumPy's LAPACK in float64, float32 out, analytic backward rules in
`autodiff/vjps/linalg.py` (eigh: distinct eigenvalues; pinv: constant rank).
"""

import numpy as np

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._linalg import matmul
from pyfastfit.ops._shape import swapaxes
from pyfastfit.ops._solve import _f64, _lapack, _out, _square, inv


def _matrix(x, name, op):
    t = convert_to_tensor(x)
    if t.dtype != "float32":
        t = convert_to_tensor(t, "float32")
    if t.ndim < 2:
        raise ValueError(f"{op}: `{name}` must be a matrix or a batch of them (rank >= 2). "
                         f"Received: {name}.shape={t.shape}")
    return t


def eigh(x):
    """Eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix (or batch);
    only the lower triangle is read.

    Example:

    >>> w, v = ops.linalg.eigh([[2.0, 0.0], [0.0, 1.0]])
    >>> w.numpy()
    array([1., 2.], dtype=float32)
    """
    t = _square(x, "x", "eigh")
    w, v = _lapack(np.linalg.eigh, "eigh", _f64(t))
    ow, ov = _out(w), _out(v)
    if _state.tapes:
        record("linalg_eigh", (t,), (ow, ov), (ow._c, ov._c))
    return ow, ov


def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverse (singular values below `rcond` times the largest are
    treated as zero; NumPy's default when None).

    Example:

    >>> ops.linalg.pinv([[1.0, 0.0], [0.0, 0.0]]).numpy()
    array([[1., 0.],
           [0., 0.]], dtype=float32)
    """
    t = _matrix(x, "x", "pinv")
    out = _out(_lapack(np.linalg.pinv, "pinv", _f64(t), rcond))
    if _state.tapes:
        record("linalg_pinv", (t,), out, (t._c, out._c))
    return out


def lstsq(a, b, rcond=None):
    """Least-squares solution x of `a @ x ~= b` (minimum norm when `a` is rank
    deficient), as `np.linalg.lstsq(a, b)[0]`; `b` is (M,) or (M, K).

    Example:

    >>> ops.linalg.lstsq([[1.0], [1.0]], [1.0, 3.0]).numpy()
    array([2.], dtype=float32)
    """
    at = _matrix(a, "a", "lstsq")
    if at.ndim != 2:
        raise ValueError(f"lstsq: `a` must be 2-D. Received: a.shape={at.shape}")
    bt = convert_to_tensor(b)
    if bt.ndim not in (1, 2) or bt.shape[0] != at.shape[0]:
        raise ValueError(f"lstsq: `b` must be ({at.shape[0]},) or ({at.shape[0]}, K) to "
                         f"match a of shape {at.shape}. Received: b.shape={bt.shape}")
    if rcond is None:
        rcond = np.finfo(np.float64).eps * max(at.shape)  # NumPy's lstsq default
    p = pinv(at, rcond)
    return matmul(p, bt)


def matrix_rank(x, tol=None):
    """Number (int32) of singular values above `tol` (NumPy's default tolerance when
    None), for a matrix or each matrix of a batch."""
    t = _matrix(x, "x", "matrix_rank")
    # float32 data: NumPy picks its default tolerance from the float32 epsilon.
    return convert_to_tensor(np.asarray(np.linalg.matrix_rank(np.asarray(t._c), tol), np.int32))


def cholesky_inverse(x, upper=False):
    """Inverse of `A` from its Cholesky factor `x` (`A = x @ x.T`, or `x.T @ x` when
    `upper`). Differentiable with respect to `x`.

    Example:

    >>> ops.linalg.cholesky_inverse([[2.0, 0.0], [0.0, 1.0]]).numpy()
    array([[0.25, 0.  ],
           [0.  , 1.  ]], dtype=float32)
    """
    t = _square(x, "x", "cholesky_inverse")
    xt = swapaxes(t, -1, -2)
    return inv(matmul(xt, t) if upper else matmul(t, xt))


__all__ = ["cholesky_inverse", "eigh", "lstsq", "matrix_rank", "pinv"]

