"""Shared code of the N-D cropping and zero-padding layers (Cropping2D/3D,
ZeroPadding2D/3D): `(before, after)` pairs over the spatial axes of channels-last or
channels-first inputs."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_pairs, standardize_data_format
from pyfastfit.layers.layer import Layer


class _SpatialBorder(Layer):
    """A layer changing each spatial axis by a `(before, after)` pair; subclasses set
    `_spatial` (the number of spatial axes) and `_attr` ("cropping" or "padding")."""

    _spatial = 2
    _attr = ""

    def __init__(self, pairs, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        setattr(self, self._attr, normalize_pairs(pairs, self._attr, self._spatial))

    def _pairs(self):
        return getattr(self, self._attr)

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def _check(self, shape, what):
        check_ndim(self, shape, self._spatial + 2)

    def build(self, input_shape):
        self._check(input_shape, "input_shape")
        self.built = True

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        out = list(input_shape)
        first, sign = self._first(), -1 if self._attr == "cropping" else 1
        for i, pair in enumerate(self._pairs()):
            if out[first + i] is not None:
                out[first + i] += sign * sum(pair)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({self._attr: self._pairs(), "data_format": self.data_format})
        return config


class BaseCropping(_SpatialBorder):
    """Removes `cropping[i]` entries at the two ends of spatial axis i."""

    _attr = "cropping"

    def _check(self, shape, what):
        super()._check(shape, what)
        first = self._first()
        for i, pair in enumerate(self.cropping):
            d = shape[first + i]
            if d is not None and sum(pair) >= d:
                raise ValueError("Values in `cropping` argument should be smaller than "
                                 "the corresponding spatial dimension of the input. "
                                 f"Received: {what}={tuple(shape)}, "
                                 f"cropping={self.cropping}")

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        first = self._first()
        key = [slice(None)] * len(inputs.shape)
        for i, (lo, hi) in enumerate(self.cropping):
            key[first + i] = slice(lo, inputs.shape[first + i] - hi)
        return inputs[tuple(key)]


class BaseZeroPadding(_SpatialBorder):
    """Adds `padding[i]` zeros at the two ends of spatial axis i."""

    _attr = "padding"

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        pads = [(0, 0)] * len(inputs.shape)
        first = self._first()
        pads[first:first + self._spatial] = self.padding
        return ops.pad(inputs, pads)
