"""Translators of the convolution layers, channels_last: Conv1D, Conv2D, Conv3D,
DepthwiseConv1D/2D (a grouped convolution with one group per input channel),
SeparableConv1D/2D (that, then a 1x1 convolution: two nodes) and Conv1D/2DTranspose.
1-D layers run as 2-D with a height of 1; 3-D ones as 2-D plus the "depth" numbers."""

from pyfastfit import activations, layers
from pyfastfit.ops._conv import pads
from pyfastfit.trainers.fast_path.translators import translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name

_CONV_ATTRS = ("kernel_size", "strides", "padding", "data_format", "dilation_rate",
               "activation", "use_bias")


def _to_2d(values, fill):
    """(h, w) of a 1-D or 2-D setting: 1-D layers have height 1."""
    values = tuple(int(v) for v in values)
    return (fill,) + values if len(values) == 1 else values


def spatial_geometry(layer, call, window, strides, dilation, padding):
    """The numbers a conv-like node reads for this call (see program/nodes/conv.cpp)."""
    if call.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    in_shape = call.one_input(rank=len(window) + 2)
    spatial = tuple(in_shape[1:-1])
    if padding == "causal":
        begin = ((window[0] - 1) * dilation[0],)
    else:
        begin, _ = pads(spatial, window, strides, dilation, padding)
    out = tuple(call.out_shape[1:])
    numbers = {}
    if len(window) == 3:
        # (D, OD, KD, sd, dd, pf): cpu::ConvGeom's depth members; the rest as in 2-D.
        numbers["depth"] = [int(v) for v in (spatial[0], out[0], window[0], strides[0],
                                             dilation[0], begin[0])]
        spatial, out, window, strides, dilation, begin = (
            tuple(v)[1:] for v in (spatial, out, window, strides, dilation, begin))
    numbers.update({"in": list(_to_2d(spatial, 1)) + [int(in_shape[-1])],
                    "out": list(_to_2d(out[:-1], 1)) + [int(out[-1])],
                    "kernel": list(_to_2d(window, 1)), "strides": list(_to_2d(strides, 1)),
                    "dilation": list(_to_2d(dilation, 1)), "pads": list(_to_2d(begin, 0))})
    return numbers


def _activation(layer):
    name = activations.FUSED.get(layer.activation)
    if name is None:
        raise Unsupported(f"{layer_name(layer)} uses a custom activation")
    return name


def _conv_node(call, kind, numbers, groups, kernel, bias, activation, **node_kw):
    """A conv node: `kernel`/`bias` are (variable, what) pairs or None."""
    numbers = dict(numbers, groups=[groups],
                   alpha=[activations.FUSED_ALPHA.get(activation, 0.0)])
    node = call.node(kind, **node_kw)
    params = [call.param(kernel[0], kernel[1], norm_ok=False)]
    if bias is not None:
        params.append(call.param(bias, "bias"))
    node.params = params
    node.numbers = {k: [float(v) for v in vs] for k, vs in numbers.items()}
    node.names = {"activation": activation}
    return node


def _conv(layer, call, groups):
    numbers = spatial_geometry(layer, call, layer.kernel_size, layer.strides,
                               layer.dilation_rate, layer.padding)
    return _conv_node(call, "conv", numbers, groups, (layer.kernel, "kernel"), layer.bias,
                      _activation(layer))


@translator(layers.Conv1D, layers.Conv2D, layers.Conv3D, attrs=_CONV_ATTRS + ("groups",),
            channels_first=True)
def conv(layer, call):
    return _conv(layer, call, layer.groups)


@translator(layers.DepthwiseConv1D, layers.DepthwiseConv2D,
            attrs=_CONV_ATTRS + ("depth_multiplier",),
            channels_first=True)
def depthwise_conv(layer, call):
    return _conv(layer, call, int(call.in_shapes[0][-1]))


@translator(layers.SeparableConv1D, layers.SeparableConv2D,
            attrs=_CONV_ATTRS + ("depth_multiplier",),
            channels_first=True)
def separable_conv(layer, call):
    channels = int(call.in_shapes[0][-1])
    inner = channels * layer.depth_multiplier
    numbers = spatial_geometry(layer, call, layer.kernel_size, layer.strides,
                               layer.dilation_rate, layer.padding)
    oh, ow, filters = numbers["out"]
    depthwise = dict(numbers, out=[oh, ow, inner])
    first = _conv_node(call, "conv", depthwise, channels,
                       (layer.depthwise_kernel, "depthwise_kernel"), None, "linear",
                       shape=(None, oh, ow, inner))
    pointwise = {"in": [oh, ow, inner], "out": [oh, ow, filters], "kernel": [1, 1],
                 "strides": [1, 1], "dilation": [1, 1], "pads": [0, 0]}
    # (The 1-D kernels (k, C, dm) and (1, C * dm, F) hold the 2-D ones' values in the
    # same order, height 1.)
    second = _conv_node(call, "conv", pointwise, 1,
                        (layer.pointwise_kernel, "pointwise_kernel"), layer.bias,
                        _activation(layer), inputs=[call.first_index])
    return [first, second]


@translator(layers.Conv1DTranspose, layers.Conv2DTranspose, layers.Conv3DTranspose,
            attrs=_CONV_ATTRS + ("output_padding",), channels_first=True)
def conv_transpose(layer, call):
    """Described as the convolution whose input gradient it is (ops.conv_transpose):
    that convolution reads this layer's output and produces its input. 1-D as 2-D of
    height 1 (the kernel (k, F, C) holds (1, k, F, C)'s values); 3-D as 2-D plus the
    "depth" numbers."""
    if call.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    rank = len(layer.kernel_size)
    in_shape = call.one_input(rank=rank + 2)
    out = call.out_shape
    begin = []
    for size, length, k, st, d in zip(in_shape[1:1 + rank], out[1:1 + rank],
                                      layer.kernel_size, layer.strides, layer.dilation_rate):
        keff = (k - 1) * d + 1
        # TensorFlow's placement, as ops.conv_transpose: the forward convolution's pads.
        total = max((size - 1) * st + keff - length, 0) if layer.padding == "same" else 0
        begin.append(total // 2)
    conv_in, conv_out = tuple(out[1:-1]), tuple(in_shape[1:-1])
    window, strides, dilation = layer.kernel_size, layer.strides, layer.dilation_rate
    numbers = {}
    if rank == 3:
        # (D, OD, KD, sd, dd, pf) of the described convolution; the rest as in 2-D.
        numbers["depth"] = [int(v) for v in (conv_in[0], conv_out[0], window[0], strides[0],
                                             dilation[0], begin[0])]
        conv_in, conv_out, window, strides, dilation, begin = (
            tuple(v)[1:] for v in (conv_in, conv_out, window, strides, dilation, begin))
    numbers.update({"in": list(_to_2d(conv_in, 1)) + [int(out[-1])],
                    "out": list(_to_2d(conv_out, 1)) + [int(in_shape[-1])],
                    "kernel": list(_to_2d(window, 1)), "strides": list(_to_2d(strides, 1)),
                    "dilation": list(_to_2d(dilation, 1)), "pads": list(_to_2d(begin, 0))})
    return _conv_node(call, "conv_transpose", numbers, 1, (layer.kernel, "kernel"),
                      layer.bias, _activation(layer))
