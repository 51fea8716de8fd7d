"""Cropping2D: removes rows and columns at the borders of images."""

from pyfastfit.layers.input_checks import check_ndim, normalize_pairs, standardize_data_format
from pyfastfit.layers.layer import Layer


class Cropping2D(Layer):
    """Crops the rows and columns of 4D images.

    Args:
        cropping: int (all four sides), 2 ints `(symmetric_height_crop,
            symmetric_width_crop)` or `((top_crop, bottom_crop), (left_crop,
            right_crop))`. Defaults to `((0, 0), (0, 0))`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.Cropping2D(((1, 0), (0, 2)))(np.ones((1, 4, 5, 3))).shape
    (1, 3, 3, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = normalize_pairs(cropping, "cropping")

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def _check(self, shape, what):
        check_ndim(self, shape, 4)
        first = self._first()
        for i in range(2):
            d = shape[first + i]
            if d is not None and sum(self.cropping[i]) >= d:
                raise ValueError("Values in `cropping` argument should be smaller than "
                                 "the corresponding spatial dimension of the input. "
                                 f"Received: {what}={tuple(shape)}, "
                                 f"cropping={self.cropping}")

    def build(self, input_shape):
        self._check(input_shape, "input_shape")
        self.built = True

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        first = self._first()
        key = [slice(None)] * 4
        for i in range(2):
            lo, hi = self.cropping[i]
            key[first + i] = slice(lo, inputs.shape[first + i] - hi)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        out = list(input_shape)
        first = self._first()
        for i in range(2):
            if out[first + i] is not None:
                out[first + i] -= sum(self.cropping[i])
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
