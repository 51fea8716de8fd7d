"""Translators of the pooling layers: Max/AveragePooling1D/2D/3D and the global poolings
(channels_last; GlobalAveragePooling1D with the mask of an Embedding(mask_zero=True) as
a masked_mean_pool node reading the embedding's indices, see masks.py)."""

from pyfastfit import layers
from pyfastfit.trainers.fast_path.translators import translator
from pyfastfit.trainers.fast_path.translators.common import Unsupported, layer_name
from pyfastfit.trainers.fast_path.translators.convolutional import spatial_geometry

_POOLS = {layers.MaxPooling1D: "max_pool", layers.MaxPooling2D: "max_pool",
          layers.MaxPooling3D: "max_pool",
          layers.AveragePooling1D: "average_pool", layers.AveragePooling2D: "average_pool",
          layers.AveragePooling3D: "average_pool"}


@translator(*_POOLS, attrs=("pool_size", "strides", "padding", "data_format"),
            channels_first=True)
def pool(layer, call):
    window = tuple(layer.pool_size)
    numbers = spatial_geometry(layer, call, window, layer.strides, (1,) * len(window),
                               layer.padding)
    node = call.node(_POOLS[type(layer)])
    geometry = {"in": numbers["in"], "out": numbers["out"][:2], "window": numbers["kernel"],
                "strides": numbers["strides"], "pads": numbers["pads"]}
    if "depth" in numbers:  # (D, OD, KD, sd, pf): pooling has no dilation
        d = numbers["depth"]
        geometry["depth"] = d[:4] + d[5:]
    node.numbers = geometry
    return node


@translator(layers.GlobalMaxPooling1D, layers.GlobalMaxPooling2D, layers.GlobalMaxPooling3D,
            layers.GlobalAveragePooling1D, layers.GlobalAveragePooling2D,
            layers.GlobalAveragePooling3D,
            attrs=("data_format", "keepdims"), channels_first=True)
def global_pool(layer, call):
    if call.data_format != "channels_last":
        raise Unsupported(f"{layer_name(layer)} has data_format='channels_first'")
    call.one_input(rank=layer._rank + 2)
    if call.mask_input is not None:  # GlobalAveragePooling1D after Embedding(mask_zero)
        call.mask_read = True
        return call.node("masked_mean_pool", inputs=call.inputs + [call.mask_input])
    node = call.node("global_pool")
    node.names = {"op": layer._reduce}
    return node
