"""Translators of the convolution layers: Conv1D, Conv2D and DepthwiseConv2D (a grouped
convolution with one group per input channel), channels_last. 1-D layers run as 2-D
with a height of 1."""

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
    if layer.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    in_shape = call.one_input(rank=len(window) + 2)
    spatial = tuple(in_shape[1:-1])
    if padding == "causal":
        begin = ((window[0] - 1) * dilation[0],)
    else:
        begin, _ = pads(spatial, window, strides, dilation, padding)
    out = tuple(call.out_shape[1:])
    return {"in": list(_to_2d(spatial, 1)) + [int(in_shape[-1])],
            "out": list(_to_2d(out[:-1], 1)) + [int(out[-1])],
            "kernel": list(_to_2d(window, 1)), "strides": list(_to_2d(strides, 1)),
            "dilation": list(_to_2d(dilation, 1)), "pads": list(_to_2d(begin, 0))}


def _conv(layer, call, groups):
    name = activations.FUSED.get(layer.activation)
    if name is None:
        raise Unsupported(f"{layer_name(layer)} uses a custom activation")
    numbers = spatial_geometry(layer, call, layer.kernel_size, layer.strides,
                               layer.dilation_rate, layer.padding)
    numbers["groups"] = [groups]
    numbers["alpha"] = [float(activations.FUSED_ALPHA.get(name, 0.0))]
    node = call.node("conv")
    params = [call.param(layer.kernel, "kernel", norm_ok=False)]
    if layer.bias is not None:
        params.append(call.param(layer.bias, "bias"))
    node.params = params
    node.numbers = {k: [float(v) for v in vs] for k, vs in numbers.items()}
    node.names = {"activation": name}
    return node


@translator(layers.Conv1D, layers.Conv2D, attrs=_CONV_ATTRS + ("groups",))
def conv(layer, call):
    return _conv(layer, call, layer.groups)


@translator(layers.DepthwiseConv2D, attrs=_CONV_ATTRS + ("depth_multiplier",))
def depthwise_conv(layer, call):
    return _conv(layer, call, int(call.in_shapes[0][-1]))
