"""Backward rules for activations."""

from pyfastfit.core._c import _C


def _activation(node, g):
    x, out = node.saved
    name, alpha = node.attrs
    return (_C.activation_backward(g, x, out, name, alpha),)


RULES = {"activation": _activation}
