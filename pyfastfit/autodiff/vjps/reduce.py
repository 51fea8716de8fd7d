"""Backward rules for the reductions."""

from pyfastfit.core._c import _C


def _reduce(node, g):
    x, out = node.saved
    axes, op, ddof = node.attrs
    return (_C.reduce_backward(g, x, out, axes, op, ddof),)


def _cumulative(node, g):
    x, out = node.saved
    axis, prod = node.attrs
    if not prod:
        # d cumsum: reversed cumulative sum of g.
        return (_C.cumulative(g, axis, False, True),)
    # d cumprod (x without zeros): revcumsum(g * out) / x. Zeros fall back to NumPy.
    import numpy as np

    xa, ga = np.asarray(x, np.float64), np.asarray(g, np.float64)
    n = xa.shape[axis]
    xm = np.moveaxis(xa, axis, -1)
    gm = np.moveaxis(ga, axis, -1)
    res = np.zeros_like(xm)
    for j in range(n):
        # out_k for k >= j depends on x_j through prod_{i<=k, i != j} x_i.
        others = xm.copy()
        others[..., j] = 1.0
        res[..., j] = np.sum(gm[..., j:] * np.cumprod(others, axis=-1)[..., j:], axis=-1)
    return (_C.from_numpy(np.ascontiguousarray(np.moveaxis(res, -1, axis), dtype=np.float32)),)


RULES = {"reduce": _reduce, "cumulative": _cumulative}
