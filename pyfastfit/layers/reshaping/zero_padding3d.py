"""ZeroPadding3D: adds planes of zeros around volumes."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_pairs, standardize_data_format
from pyfastfit.layers.layer import Layer


class ZeroPadding3D(Layer):
    """Pads the three spatial axes of 5D volumes with zeros.

    Args:
        padding: int (all six sides), 3 ints (a symmetric pad per axis) or 3 pairs
            `((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad),
            (left_dim3_pad, right_dim3_pad))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` `(batch, dim1, dim2, dim3, channels)` or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.ZeroPadding3D(((1, 0), (2, 3), 1))(np.ones((1, 2, 2, 2, 1))).shape
    (1, 3, 7, 4, 1)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.padding = normalize_pairs(padding, "padding", 3)

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def build(self, input_shape):
        check_ndim(self, input_shape, 5)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 5)
        pads = [(0, 0)] * 5
        first = self._first()
        pads[first:first + 3] = self.padding
        return ops.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 5)
        out = list(input_shape)
        first = self._first()
        for i in range(3):
            if out[first + i] is not None:
                out[first + i] += sum(self.padding[i])
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"padding": self.padding, "data_format": self.data_format})
        return config
