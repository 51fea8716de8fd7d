"""Cropping3D: removes planes at the borders of volumes."""

from pyfastfit.layers.input_checks import check_ndim, normalize_pairs, standardize_data_format
from pyfastfit.layers.layer import Layer


class Cropping3D(Layer):
    """Crops the three spatial axes of 5D volumes.

    Args:
        cropping: int (all six sides), 3 ints (a symmetric crop per axis) or 3 pairs
            `((left_dim1_crop, right_dim1_crop), (left_dim2_crop, right_dim2_crop),
            (left_dim3_crop, right_dim3_crop))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.Cropping3D(((1, 0), (0, 2), 1))(np.ones((1, 4, 5, 3, 2))).shape
    (1, 3, 3, 1, 2)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.cropping = normalize_pairs(cropping, "cropping", 3)

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def _check(self, shape, what):
        check_ndim(self, shape, 5)
        first = self._first()
        for i in range(3):
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
        key = [slice(None)] * 5
        for i in range(3):
            lo, hi = self.cropping[i]
            key[first + i] = slice(lo, inputs.shape[first + i] - hi)
        return inputs[tuple(key)]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        out = list(input_shape)
        first = self._first()
        for i in range(3):
            if out[first + i] is not None:
                out[first + i] -= sum(self.cropping[i])
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"cropping": self.cropping, "data_format": self.data_format})
        return config
