"""Backward rules for matmul and the fused Dense op."""

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
