"""Translators of the merge layers (Add, Subtract, Multiply, Average, Maximum, Minimum)
and Concatenate."""

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name

_MERGES = (layers.Add, layers.Subtract, layers.Multiply, layers.Average, layers.Maximum,
           layers.Minimum)


@translator(*_MERGES)
def merge(layer, call):
    if any(s != call.out_shape for s in call.in_shapes):
        raise Unsupported(f"{layer_name(layer)} broadcasts inputs of shapes "
                          f"{list(call.in_shapes)}")
    return call.node(type(layer).__name__.lower())


@translator(layers.Concatenate, attrs=("axis",))
def concatenate(layer, call):
    rank = len(call.out_shape)
    if layer.axis not in (-1, rank - 1) or any(len(s) != rank for s in call.in_shapes):
        raise Unsupported(f"{layer_name(layer)} concatenates along axis {layer.axis} "
                          "(the fast path joins the last axis)")
    return call.node("concatenate")
