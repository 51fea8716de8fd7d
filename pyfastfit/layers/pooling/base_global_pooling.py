"""The shared base of the global pooling layers: a reduction over the non-channel axes."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, standardize_data_format
from pyfastfit.layers.layer import Layer
from pyfastfit.ops._pool import masked_mean_steps


class BaseGlobalPooling(Layer):
    """Reduces the steps / spatial axes of a channels-last or channels-first input.

    Subclasses set `_rank` (1, 2 or 3 spatial dims) and `_reduce` ("max" or "mean").

    Args:
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.
        keepdims: keep the reduced axes with size 1. Defaults to `False`.
    """

    _rank = 1
    _reduce = "max"

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.supports_masking = self._rank == 1 and self._reduce == "mean"

    def _axes(self):
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self._rank))

    def build(self, input_shape):
        check_ndim(self, input_shape, self._rank + 2)
        self.built = True

    def call(self, inputs, mask=None):
        check_ndim(self, inputs.shape, self._rank + 2)
        axes = self._axes()
        if self._reduce == "max":
            return ops.max(inputs, axis=axes, keepdims=self.keepdims)
        if mask is None or not self.supports_masking:
            return ops.mean(inputs, axis=axes, keepdims=self.keepdims)
        # Masked steps count neither in the sum nor in the divisor (Keras): one fused op
        # over channels-last steps (the fast path's node calls the same kernel).
        x = inputs if self.data_format == "channels_last" else ops.transpose(inputs,
                                                                             (0, 2, 1))
        out = masked_mean_steps(x, mask)
        return ops.expand_dims(out, axes[0]) if self.keepdims else out

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, self._rank + 2)
        axes = self._axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config
