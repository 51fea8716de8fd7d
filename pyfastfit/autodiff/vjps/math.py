"""Backward rules for the elementwise math ops (binary with broadcasting, scalar
operands, unary, where, clip, nan_to_num). Gradients of broadcast operands are summed
back to the operand's shape with `_C.sum_to_shape`; integer/bool operands get None."""

import math

from pyfastfit.core._c import _C

_CODES = _C.elementwise_codes()
_B = _CODES["binary"]
_U = _CODES["unary"]
_ZERO = None


def _zero():
    global _ZERO
    if _ZERO is None:
        _ZERO = _C.zeros([], "float32")
    return _ZERO


_sum_to_like = _C.sum_to_like


def _reduce(g, x):
    return None if g is None else _sum_to_like(g, x)


def _neg(g):
    return _C.negative(g)


def _binary(node, g):
    a, b, out = node.saved
    return _binary_backward(node.attrs, g, a, b, out)


_binary_backward = _C.binary_backward


def _binary_scalar(node, g):
    x, out = node.saved
    code, s, reverse = node.attrs
    if x.dtype != "float32":
        return (None,)
    if code == _B["add"]:
        return (g,)
    if code == _B["subtract"]:
        return (_neg(g) if reverse else g,)
    if code == _B["multiply"]:
        return (_C.multiply(g, s),)
    if code == _B["divide"]:
        if not reverse:
            return (_C.divide(g, s),)
        return (_neg(_C.divide(_C.multiply(g, out), x)),)  # d(s/x) = -s/x^2 = -out/x
    if code == _B["power"]:
        if reverse:  # d(s**x) = s**x * ln(s)
            return (_C.multiply(_C.multiply(g, out), math.log(s) if s > 0 else math.nan),)
        if s == 0.0:
            return (_C.multiply(g, 0.0),)
        if s == 1.0:
            return (g,)
        if s == 2.0:
            return (_C.multiply(_C.multiply(g, x), 2.0),)
        return (_C.multiply(_C.multiply(g, _C.power(x, s - 1.0)), s),)
    if code == _B["maximum"]:
        return (_C.clip_backward(g, x, s, math.inf),)
    if code == _B["minimum"]:
        return (_C.clip_backward(g, x, -math.inf, s),)
    if code == _B["arctan2"]:
        gd = _C.divide(g, _C.add(_C.square(x), s * s))
        return (_C.multiply(gd, -s if reverse else s),)
    if code == _B["mod"]:
        if not reverse:
            return (g,)
        q = _C.binary_scalar(_B["floor_divide"], x, s, False, True)
        return (_neg(_C.multiply(g, q)),)
    return (None,)


def _unary(node, g):
    x, out = node.saved
    return (_C.unary_backward(node.attrs, g, x, out),)


def _where(node, g):
    c, a, b = node.saved
    ga = _C.where(c, g, _zero()) if a.dtype == "float32" else None
    gb = _C.where(c, _zero(), g) if b.dtype == "float32" else None
    return _reduce(ga, a), _reduce(gb, b)


def _clip(node, g):
    (x,) = node.saved
    lo, hi = node.attrs
    return (_C.clip_backward(g, x, lo, hi),)


def _nan_to_num(node, g):
    (x,) = node.saved
    return (_C.where(_C.unary(_U["isfinite"], x), g, _zero()),)


RULES = {
    "binary": _binary,
    "binary_scalar": _binary_scalar,
    "unary": _unary,
    "where": _where,
    "clip": _clip,
    "nan_to_num": _nan_to_num,
}
