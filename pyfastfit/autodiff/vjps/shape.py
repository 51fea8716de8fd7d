"""Backward rules for the shape and indexing ops."""

from pyfastfit.core._c import _C


def _reshape(node, g):
    return (g.reshape(list(node.attrs)),)


def _transpose(node, g):
    perm = node.attrs
    inv = [0] * len(perm)
    for i, p in enumerate(perm):
        inv[p] = i
    return (_C.transpose(g, inv),)


def _strided_slice(node, g):
    shape, starts, steps, counts = node.attrs
    return (_C.strided_slice_backward(g, list(shape), starts, steps, counts),)


def _broadcast_to(node, g):
    shape = node.attrs
    lead = g.ndim - len(shape)
    axes = list(range(lead)) + [lead + i for i, s in enumerate(shape)
                                if s == 1 and g.shape[lead + i] != 1]
    if axes:
        g = _C.reduce(g, axes, "sum", False)
    return (g.reshape(list(shape)),)


def _take(node, g):
    shape, axis = node.attrs
    return (_C.take_backward(g, node.saved, list(shape), axis),)


def _take_along_axis(node, g):
    shape, axis = node.attrs
    return (_C.take_along_axis_backward(g, node.saved, list(shape), axis),)


def _concatenate(node, g):
    axis, sizes = node.attrs
    out, start = [], 0
    shape = list(g.shape)
    for n in sizes:
        starts = [0] * len(shape)
        starts[axis] = start if n else 0
        counts = list(shape)
        counts[axis] = n
        out.append(_C.strided_slice(g, starts, [1] * len(shape), counts))
        start += n
    return tuple(out)


def _pad(node, g):
    shape, before = node.attrs
    return (_C.strided_slice(g, list(before), [1] * len(shape), list(shape)),)


def _slice_update(node, g):
    starts, upd_shape = node.attrs
    zeros = _C.full(list(upd_shape), 0.0, "float32")
    return (_C.slice_update(g, starts, zeros),
            _C.strided_slice(g, starts, [1] * len(starts), list(upd_shape)))


def _scatter_rows(node, g):
    idx = node.saved
    return (_C.take(g, idx, 0),)


RULES = {
    "slice_update": _slice_update, "scatter_rows": _scatter_rows,
    "reshape": _reshape, "transpose": _transpose, "strided_slice": _strided_slice,
    "broadcast_to": _broadcast_to, "take": _take, "take_along_axis": _take_along_axis,
    "concatenate": _concatenate, "pad": _pad,
}
