"""UpSampling3D: enlarges volumes by integer factors (nearest neighbour)."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_tuple, standardize_data_format
from pyfastfit.layers.layer import Layer


class UpSampling3D(Layer):
    """Repeats the three spatial axes of 5D volumes by `size`.

    Args:
        size: int or 3 ints, the factors for dim1, dim2 and dim3. Defaults to
            `(2, 2, 2)`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Input shape: 5D. Output shape: the spatial axes multiplied by `size`.

    Example:

    >>> keras.layers.UpSampling3D((2, 1, 3))(np.ones((1, 2, 2, 2, 1))).shape
    (1, 4, 2, 6, 1)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = normalize_tuple(size, 3, "size")

    def _first(self):
        return 1 if self.data_format == "channels_last" else 2

    def build(self, input_shape):
        check_ndim(self, input_shape, 5)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 5)
        x = inputs
        first = self._first()
        for i, factor in enumerate(self.size):
            if factor != 1:
                x = ops.repeat(x, factor, axis=first + i)
        return x

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 5)
        first = self._first()
        out = list(input_shape)
        for i in range(3):
            d = out[first + i]
            out[first + i] = d * self.size[i] if d is not None else None
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format})
        return config
