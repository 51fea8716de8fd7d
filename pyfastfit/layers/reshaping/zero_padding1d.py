"""ZeroPadding1D: adds zero steps at the start and end of a sequence."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_tuple, standardize_data_format
from pyfastfit.layers.layer import Layer


class ZeroPadding1D(Layer):
    """Pads the time axis of 3D inputs with zeros.

    Args:
        padding: int (the same on both sides) or 2 ints `(left_pad, right_pad)`.
            Defaults to `1`.
        data_format: `"channels_last"` (`(batch, steps, features)`) or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.ZeroPadding1D(2)(np.ones((1, 3, 4))).shape
    (1, 7, 4)
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = normalize_tuple(padding, 2, "padding", allow_zero=True)

    def _axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def build(self, input_shape):
        check_ndim(self, input_shape, 3)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 3)
        pads = [(0, 0)] * 3
        pads[self._axis()] = self.padding
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 3)
        out = list(input_shape)
        a = self._axis()
        if out[a] is not None:
            out[a] += sum(self.padding)
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
