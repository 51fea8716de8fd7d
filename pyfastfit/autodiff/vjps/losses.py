"""Backward rules for the fused loss ops (pyfastfit/ops/_losses.py)."""

from pyfastfit.core._c import _C


def _point_loss(node, g):
    t, p = node.saved
    name, param = node.attrs
    return (_C.point_loss_backward(name, g, t, p, param),)


def _point_loss_reduced(node, g):
    t, p, w = node.saved
    name, param, scale = node.attrs
    return (_C.point_loss_reduced_backward(name, g, t, p, w, param, scale),)


def _weighted_sum(node, g):
    values, w = node.saved
    return (_C.weighted_sum_backward(g, w, values, node.attrs),)


RULES = {
    "point_loss": _point_loss,
    "point_loss_reduced": _point_loss_reduced,
    "weighted_sum": _weighted_sum,
}
