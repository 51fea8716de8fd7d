"""Translators of the reshaping layers that move values without arithmetic:
ZeroPadding1D/2D/3D and Cropping1D/2D/3D (window nodes), UpSampling1D/2D/3D ("nearest")
and RepeatVector (upsample nodes), UpSampling2D("bilinear") (permute and dense nodes).
Channels-last; 1-D layers run as 2-D of height 1, 3-D ones as two 2-D nodes (see
`_two_steps`)."""

import numpy as np

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import layout, translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name


def _nhwc(layer, call, rank):
    """(H, W, C) of the input and (OH, OW) of the output, 1-D lifted to height 1."""
    if call.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    shape = call.one_input(rank=rank + 2)
    out = call.out_shape
    if rank == 1:
        return [1, shape[1], shape[2]], [1, out[1]]
    return [shape[1], shape[2], shape[3]], [out[1], out[2]]


def _window(call, hwc, out, top, left):
    node = call.node("window")
    node.numbers = {"in": [float(v) for v in hwc], "out": [float(v) for v in out],
                    "offset": [float(top), float(left)]}
    return node


@translator(layers.ZeroPadding1D, attrs=("padding", "data_format"), channels_first=True)
def zero_padding1d(layer, call):
    hwc, out = _nhwc(layer, call, 1)
    return _window(call, hwc, out, 0, layer.padding[0])


@translator(layers.ZeroPadding2D, attrs=("padding", "data_format"), channels_first=True)
def zero_padding2d(layer, call):
    hwc, out = _nhwc(layer, call, 2)
    return _window(call, hwc, out, layer.padding[0][0], layer.padding[1][0])


@translator(layers.Cropping1D, attrs=("cropping",))
def cropping1d(layer, call):
    hwc, out = _nhwc(layer, call, 1)
    return _window(call, hwc, out, 0, -layer.cropping[0])


@translator(layers.Cropping2D, attrs=("cropping", "data_format"), channels_first=True)
def cropping2d(layer, call):
    hwc, out = _nhwc(layer, call, 2)
    return _window(call, hwc, out, -layer.cropping[0][0], -layer.cropping[1][0])


def _upsample(call, hwc, size):
    node = call.node("upsample")
    node.numbers = {"in": [float(v) for v in hwc], "size": [float(s) for s in size]}
    return node


@translator(layers.UpSampling1D, attrs=("size",))
def up_sampling1d(layer, call):
    hwc, _ = _nhwc(layer, call, 1)
    return _upsample(call, hwc, (1, int(layer.size)))


@translator(layers.UpSampling2D, attrs=("size", "data_format", "interpolation"),
            channels_first=True)
def up_sampling2d(layer, call):
    if layer.interpolation == "bilinear":
        return _bilinear(layer, call)
    if layer.interpolation != "nearest":
        raise Unsupported(f"{layer_name(layer)} has interpolation={layer.interpolation!r}")
    hwc, _ = _nhwc(layer, call, 2)
    return _upsample(call, hwc, layer.size)


_RESIZE_MATRICES = {}  # (n_in, n_out) -> a frozen Variable holding the (n_in, n_out) map


def _resize_matrix(n_in, n_out):
    """ops.image.resize's bilinear weights for one axis, transposed, as a frozen
    Variable a dense node reads (shared by every Program; never updated)."""
    key = (n_in, n_out)
    if key not in _RESIZE_MATRICES:
        from pyfastfit.core.variable import Variable
        from pyfastfit.ops._image import _triangle_weights

        w = np.ascontiguousarray(_triangle_weights(n_in, n_out, False).T)
        _RESIZE_MATRICES[key] = Variable(w, trainable=False, name="resize_weights")
    return _RESIZE_MATRICES[key]


def _bilinear(layer, call):
    """UpSampling2D(interpolation="bilinear"): as ops.image.resize, two matmuls by the
    axes' interpolation matrices (rows, then columns), each over the last axis between
    permutes: (H, W, C) -> (W, C, H) -> (W, C, OH) -> (OH, C, W) -> (OH, C, OW) ->
    (OH, OW, C). Five nodes, the same products as the eager layer."""
    (h, w, c), (oh, ow) = _nhwc(layer, call, 2)
    b = call.in_shapes[0][0]
    shapes = [(b, w, c, h), (b, w, c, oh), (b, oh, c, w), (b, oh, c, ow), (b, oh, ow, c)]
    perms = {0: [1, 2, 0], 2: [2, 1, 0], 4: [0, 2, 1]}
    kernels = {1: _resize_matrix(h, oh), 3: _resize_matrix(w, ow)}
    nodes = []
    for k, shape in enumerate(shapes):
        inputs = call.inputs if k == 0 else [call.first_index + k - 1]
        if k in perms:
            nodes.append(layout.permute_node(call, perms[k], inputs, shape))
            continue
        node = call.node("dense", inputs=inputs, shape=shape)
        node.params = [call.param(kernels[k], "resize_weights")]
        node.names = {"activation": "linear"}
        node.numbers = {"alpha": [0.0]}
        nodes.append(node)
    return nodes


@translator(layers.RepeatVector, attrs=("n",))
def repeat_vector(layer, call):
    shape = call.one_input(rank=2)
    return _upsample(call, (1, 1, shape[1]), (1, int(layer.n)))


def _two_steps(layer, call, kind, numbers_a, numbers_b):
    """A 3-D window / upsample as two 2-D nodes over views of the same values, both
    plain copies (the same bits as the eager layer): (D, H, W, C) seen as (D, H, W * C)
    moves whole rows in the first two axes, then (OD * OH, W, C) moves the third.
    numbers_x(d, h, w, c, od, oh, ow) gives each node's numbers."""
    if call.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    d, h, w, c = (int(v) for v in call.one_input(rank=5)[1:])
    od, oh, ow = (int(v) for v in call.out_shape[1:4])
    first = call.node(kind, shape=(None, od, oh, w, c))
    first.numbers = {k: [float(v) for v in vs]
                     for k, vs in numbers_a(d, h, w, c, od, oh, ow).items()}
    second = call.node(kind, inputs=[call.first_index])
    second.numbers = {k: [float(v) for v in vs]
                      for k, vs in numbers_b(d, h, w, c, od, oh, ow).items()}
    return [first, second]


def _window3d(layer, call, offsets):
    (front, top, left) = offsets
    return _two_steps(
        layer, call, "window",
        lambda d, h, w, c, od, oh, ow: {"in": [d, h, w * c], "out": [od, oh],
                                        "offset": [front, top]},
        lambda d, h, w, c, od, oh, ow: {"in": [od * oh, w, c], "out": [od * oh, ow],
                                        "offset": [0, left]})


@translator(layers.ZeroPadding3D, attrs=("padding", "data_format"), channels_first=True)
def zero_padding3d(layer, call):
    return _window3d(layer, call, [p[0] for p in layer.padding])


@translator(layers.Cropping3D, attrs=("cropping", "data_format"), channels_first=True)
def cropping3d(layer, call):
    return _window3d(layer, call, [-p[0] for p in layer.cropping])


@translator(layers.UpSampling3D, attrs=("size", "data_format"), channels_first=True)
def up_sampling3d(layer, call):
    sd, sh, sw = (int(v) for v in layer.size)
    return _two_steps(
        layer, call, "upsample",
        lambda d, h, w, c, od, oh, ow: {"in": [d, h, w * c], "size": [sd, sh]},
        lambda d, h, w, c, od, oh, ow: {"in": [od * oh, w, c], "size": [1, sw]})
