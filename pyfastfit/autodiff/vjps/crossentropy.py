"""Backward rules for the cross-entropy ops (pyfastfit/ops/_crossentropy.py)."""

from pyfastfit.core._c import _C


def _sparse_softmax(node, g):
    probs, labels = node.saved
    return (_C.sparse_softmax_cross_entropy_backward(probs, labels, g),)


def _sparse_probs(node, g):
    probs, labels = node.saved
    return (_C.sparse_categorical_crossentropy_probs_backward(probs, labels, g),)


def _softmax(node, g):
    probs, target, logits = node.saved
    need_dt = node.attrs
    d, dt = _C.softmax_cross_entropy_backward(probs, target, logits, g, need_dt)
    return (d, dt) if need_dt else (d,)


def _categorical_probs(node, g):
    probs, target = node.saved
    need_dt = node.attrs
    d, dt = _C.categorical_crossentropy_probs_backward(probs, target, g, need_dt)
    return (d, dt) if need_dt else (d,)


def _binary(node, g):
    output, target = node.saved
    from_logits, need_dt = node.attrs
    d, dt = _C.binary_crossentropy_backward(output, target, g, from_logits, need_dt)
    return (d, dt) if need_dt else (d,)


RULES = {
    "sparse_softmax_cross_entropy": _sparse_softmax,
    "sparse_categorical_crossentropy_probs": _sparse_probs,
    "softmax_cross_entropy": _softmax,
    "categorical_crossentropy_probs": _categorical_probs,
    "binary_crossentropy": _binary,
}
