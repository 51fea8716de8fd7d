"""Backward rules for matmul, the fused Dense op and the dense linear-system ops."""

import numpy as np

from pyfastfit.core._c import _C


def _matmul(node, g):
    a, b = node.saved
    ga = _C.matmul(g, b, False, True) if node.attrs[0] else None
    gb = None
    if node.attrs[1]:
        if b.ndim == 2 and a.ndim > 2:
            k = a.shape[-1]
            gb = _C.matmul(a.reshape([a.size // max(k, 1), k]),
                           g.reshape([g.size // max(g.shape[-1], 1), g.shape[-1]]), True, False)
        else:
            gb = _C.matmul(a, g, True, False)
    return ga, gb


def _dense(node, g):
    x, kernel, z, out = node.saved
    activation, alpha, need_dx, has_bias = node.attrs
    dx, dk, db = _C.dense_backward(g, x, kernel, z, out, activation, alpha, need_dx, has_bias)
    if has_bias:
        return (dx if need_dx else None), dk, db
    return (dx if need_dx else None), dk


RULES = {"matmul": _matmul, "dense": _dense}


# Rules for the LAPACK-backed ops of ops/_solve.py: computed in float64 NumPy, as their
# forward passes are.

def _np(c):
    return np.asarray(c, dtype=np.float64)


def _c32(a):
    return _C.from_numpy(np.array(a, dtype=np.float32, order="C"))


def _mT(a):
    return np.swapaxes(a, -1, -2)


def _unbroadcast(a, shape):
    """Sums the leading axes NumPy's batch broadcasting added or stretched."""
    while a.ndim > len(shape):
        a = a.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and a.shape[i] != 1:
            a = a.sum(axis=i, keepdims=True)
    return a


def _inv(node, g):
    b = _np(node.saved)
    return (_c32(-_mT(b) @ _np(g) @ _mT(b)),)


def _solve(node, g):
    a_c, x_c = node.saved
    vector, lower = node.attrs
    a, x, g = _np(a_c), _np(x_c), _np(g)
    if vector:
        gb = np.linalg.solve(_mT(a), g[..., None])[..., 0]
        ga = -np.multiply.outer(gb, x)
    else:
        gb = np.linalg.solve(_mT(a), g)
        ga = -gb @ _mT(x)
    if lower is not None:  # solve_triangular reads one triangle only
        ga = np.tril(ga) if lower else np.triu(ga)
    a_in, b_in = node.inputs
    return _c32(_unbroadcast(ga, a_in.shape)), _c32(_unbroadcast(gb, b_in.shape))


def _det_like(node, g):
    # det: saved adj(A)^T; log|det|: saved inv(A)^T.
    return (_c32(_np(g)[..., None, None] * _np(node.saved)),)


def _cholesky(node, g):
    lower = _np(node.saved)
    gl = _np(g)
    if node.attrs:  # the op returned L^T
        gl = _mT(gl)
    p = _mT(lower) @ gl
    p = np.tril(p) - 0.5 * (np.eye(p.shape[-1]) * p)  # lower triangle, diagonal halved
    linv = np.linalg.inv(lower)
    s = _mT(linv) @ p @ linv
    return (_c32(0.5 * (s + _mT(s))),)


def _einsum(node, g):
    # d/dX_i of einsum(..., X_i, ...) = einsum(g, other operands -> X_i's subscripts).
    terms, out_sub = node.attrs
    arrays = [np.asarray(c) for c in node.saved]
    gnp = np.asarray(g)
    grads = []
    for i, term in enumerate(terms):
        if len(set(term)) != len(term):  # a diagonal: refused at record time if needed
            grads.append(None)
            continue
        subs, args = [out_sub], [gnp]
        for j, t in enumerate(terms):
            if j != i:
                subs.append(t)
                args.append(arrays[j])
        present = set("".join(subs))
        for k, c in enumerate(term):
            if c not in present:  # summed inside X_i only: the gradient broadcasts
                subs.append(c)
                args.append(np.ones(arrays[i].shape[k], np.float32))
        gi = np.einsum(",".join(subs) + "->" + term, *args, optimize=True)
        if gi.shape != arrays[i].shape:  # size-1 dims broadcast against the others
            axes = tuple(k for k, (a, b) in enumerate(zip(gi.shape, arrays[i].shape))
                         if b == 1 and a != 1)
            gi = gi.sum(axis=axes, keepdims=True)
        grads.append(_c32(gi))
    return tuple(grads)


def _eigh(node, gs):
    # A = V diag(w) V^T: dA-bar = V (diag(gw) + F o (V^T gV)) V^T, F_ij = 1/(w_j - w_i).
    w, v = (_np(c) for c in node.saved)
    gw, gv = gs
    n = w.shape[-1]
    inner = np.zeros(v.shape)
    if gv is not None:
        diff = w[..., None, :] - w[..., :, None]
        eye = np.eye(n, dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, diff))
        inner = f * (_mT(v) @ _np(gv))
    if gw is not None:
        inner = inner + _np(gw)[..., :, None] * np.eye(n)
    a = v @ inner @ _mT(v)
    return (_c32(0.5 * (a + _mT(a))),)


def _pinv(node, g):
    # Golub & Pereyra's derivative of A+ (valid while the rank does not change).
    a, p = (_np(c) for c in node.saved)
    g = _np(g)
    m, n = a.shape[-2], a.shape[-1]
    ga = (-_mT(p) @ g @ _mT(p)
          + (np.eye(m) - a @ p) @ _mT(g) @ p @ _mT(p)
          + _mT(p) @ p @ _mT(g) @ (np.eye(n) - p @ a))
    return (_c32(ga),)


RULES.update({
    "einsum": _einsum,
    "linalg_eigh": _eigh,
    "linalg_pinv": _pinv,
    "linalg_inv": _inv, "linalg_solve": _solve, "linalg_det": _det_like,
    "linalg_logdet": _det_like, "linalg_cholesky": _cholesky,
})
