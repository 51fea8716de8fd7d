"""Translators of the preprocessing layers that are part of a model's graph: Rescaling."""

import numpy as np

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name


def _per_channel(layer, what, value, channels):
    """`value` as a list of 1 or `channels` float32 numbers (a scalar, or an array that
    broadcasts over the last axis only), else Unsupported."""
    a = np.asarray(value, dtype=np.float32)
    if a.size == 1:
        return [float(a.reshape(-1)[0])]
    if a.shape[-1:] == (channels,) and a.size == channels:
        return [float(v) for v in a.reshape(-1)]
    raise Unsupported(f"{layer_name(layer)} has a {what} of shape {a.shape} (the fast path "
                      "takes one value or one per channel)")


@translator(layers.Rescaling, attrs=("scale", "offset"))
def rescaling(layer, call):
    shape = call.one_input()
    channels = shape[-1] if len(shape) > 1 else 1
    node = call.node("rescale")
    node.numbers = {"scale": _per_channel(layer, "scale", layer.scale, channels),
                    "offset": _per_channel(layer, "offset", layer.offset, channels)}
    return node
