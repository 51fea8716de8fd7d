"""Backward rules for the random ops."""

from pyfastfit.core._c import _C


def _dropout(node, g):
    (mask,) = node.saved
    return (_C.multiply(g, mask),)


def _gaussian_noise(node, g):
    return (g,)


RULES = {"dropout": _dropout, "gaussian_noise": _gaussian_noise}
