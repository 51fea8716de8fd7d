"""Backward rules for the convolution and pooling ops (each one C++ backward call)."""

from pyfastfit.core._c import _C


def _conv(node, g):
    x, kernel = node.saved
    strides, begin, end, dilation, need_dx, need_dk = node.attrs
    dx, dk = _C.conv_backward(g, x, kernel, strides, begin, end, dilation, need_dx, need_dk)
    return (dx if need_dx else None), (dk if need_dk else None)


def _conv_fused(node, g):
    x, kernel, z, out = node.saved
    activation, alpha, strides, begin, end, dilation, need_dx, need_dk, has_bias = node.attrs
    dx, dk, db = _C.conv_backward_fused(g, x, kernel, z, out, activation, alpha, strides,
                                        begin, end, dilation, need_dx, need_dk, has_bias)
    grads = (dx if need_dx else None), (dk if need_dk else None)
    return grads + (db,) if has_bias else grads


def _conv_transpose(node, g):
    x, kernel = node.saved
    strides, begin, dilation, need_dx, need_dk = node.attrs
    dx, dk = _C.conv_transpose_backward(g, x, kernel, strides, begin, dilation, need_dx,
                                        need_dk)
    return (dx if need_dx else None), (dk if need_dk else None)


def _max_pool(node, g):
    (argmax,) = node.saved
    return (_C.max_pool_backward(g, argmax, *node.attrs),)


def _masked_mean_pool(node, g):
    (mask,) = node.saved
    return (_C.masked_mean_pool_backward(g, mask),)


def _average_pool(node, g):
    return (_C.average_pool_backward(g, *node.attrs),)


RULES = {"conv": _conv, "conv_fused": _conv_fused, "conv_transpose": _conv_transpose,
         "max_pool": _max_pool, "average_pool": _average_pool,
         "masked_mean_pool": _masked_mean_pool}
