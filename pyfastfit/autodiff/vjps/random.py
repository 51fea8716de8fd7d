"""Backward rules for the random ops."""

from pyfastfit.core._c import _C


def _dropout(node, g):
    (mask,) = node.saved
    return (_C.multiply(g, mask),)


RULES = {"dropout": _dropout}
