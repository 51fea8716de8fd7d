"""Translators of BatchNormalization (over the last axis, or axis 1 between two permutes),
LayerNormalization (rms_scaling too) and UnitNormalization (over any axes but the batch
one, between two permutes unless they are the trailing ones) and GroupNormalization (its
channel axis moved last by two permutes unless it is last). The eager layers make the
same moves around the same fused kernels, so both paths compute the same bits."""

import math

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import layout, translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name


def _affine(layer, call, node):
    params = []
    if layer.gamma is not None:
        params.append(call.param(layer.gamma, "gamma"))
    if layer.beta is not None:
        params.append(call.param(layer.beta, "beta"))
    node.params = params
    return {"scale": [float(layer.gamma is not None)],
            "center": [float(layer.beta is not None)],
            "epsilon": [float(layer.epsilon)]}


@translator(layers.BatchNormalization, attrs=("axis", "momentum", "epsilon", "center",
                                              "scale"))
def batch_normalization(layer, call):
    shape = call.one_input()
    axis = layer.axis % len(shape)
    if axis == 1 and len(shape) > 2 and not call.permuted:  # channels_first data
        return layout.channels_first_nodes(batch_normalization, call)
    if axis != len(shape) - 1 and not call.permuted:
        raise Unsupported(f"{layer_name(layer)} normalizes axis {layer.axis} (the fast path "
                          "normalizes the last axis, or axis 1 of channels_first data)")
    node = call.node("batch_norm")
    numbers = _affine(layer, call, node)
    # Keras 3: a layer with trainable=False runs in inference mode, also in fit.
    numbers.update(features=[float(shape[-1])], momentum=[float(layer.momentum)],
                   batch_stats=[float(bool(layer.trainable))])
    node.numbers = numbers
    node.tensors = {"moving_mean": layer.moving_mean._c,
                    "moving_variance": layer.moving_variance._c}
    return node


def _layer_norm_node(layer, call):
    """The layer_norm node over the trailing axes of `call` (as many as the layer
    normalizes)."""
    shape = call.one_input()
    n = len(layer.axis) if isinstance(layer.axis, list) else 1
    node = call.node("layer_norm")
    numbers = _affine(layer, call, node)
    numbers["features"] = [float(math.prod(shape[-n:]))]
    numbers["rms_scaling"] = [float(bool(layer.rms_scaling))]
    node.numbers = numbers
    return node


@translator(layers.LayerNormalization, attrs=("axis", "epsilon", "center", "scale",
                                              "rms_scaling"))
def layer_normalization(layer, call):
    shape = call.one_input()
    rank = len(shape)
    axes = sorted(a % rank for a in (layer.axis if isinstance(layer.axis, list)
                                     else [layer.axis]))
    if 0 in axes:
        raise Unsupported(f"{layer_name(layer)} normalizes the batch axis")
    if axes != list(range(rank - len(axes), rank)):
        # Other axes (LayerNormalization(axis=1) on images): the normalized axes moved
        # last, in order, so gamma/beta (laid out over them in that order) line up.
        return layout.moved_axes_nodes(_layer_norm_node, call, axes)
    return _layer_norm_node(layer, call)


@translator(layers.GroupNormalization, attrs=("groups", "axis", "epsilon", "center",
                                              "scale"))
def group_normalization(layer, call):
    shape = call.one_input()
    axis = layer.axis % len(shape)
    if axis != len(shape) - 1 and not call.permuted:
        return layout.moved_axes_nodes(group_normalization, call, [axis])
    node = call.node("group_norm")
    numbers = _affine(layer, call, node)
    numbers.update(features=[float(shape[-1])], groups=[float(layer.groups)])
    node.numbers = numbers
    return node


@translator(layers.UnitNormalization, attrs=("axis",))
def unit_normalization(layer, call):
    shape = call.one_input()
    rank = len(shape)
    axes = sorted({a % rank for a in (layer.axis if isinstance(layer.axis, list)
                                      else [layer.axis])})
    if 0 in axes:
        raise Unsupported(f"{layer_name(layer)} normalizes the batch axis")
    if axes != list(range(rank - len(axes), rank)) and not call.permuted:
        return layout.moved_axes_nodes(unit_normalization, call, axes)
    node = call.node("unit_norm")
    node.numbers = {"features": [float(math.prod(shape[-len(axes):]))]}
    return node
