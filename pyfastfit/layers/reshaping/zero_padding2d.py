"""ZeroPadding2D: adds rows and columns of zeros around images."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_pairs, standardize_data_format
from pyfastfit.layers.layer import Layer


class ZeroPadding2D(Layer):
    """Pads the rows and columns of 4D images with zeros.

    Args:
        padding: int (all four sides), 2 ints `(symmetric_height_pad,
            symmetric_width_pad)` or `((top_pad, bottom_pad), (left_pad, right_pad))`.
            Defaults to `(1, 1)`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 2, 2, 1))).shape
    (1, 3, 7, 1)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = normalize_pairs(padding, "padding")

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def build(self, input_shape):
        check_ndim(self, input_shape, 4)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 4)
        pads = [(0, 0)] * 4
        first = self._first()
        pads[first], pads[first + 1] = self.padding
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 4)
        out = list(input_shape)
        first = self._first()
        for i in range(2):
            if out[first + i] is not None:
                out[first + i] += sum(self.padding[i])
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
