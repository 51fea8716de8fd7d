"""UpSampling2D: enlarges images by integer factors (nearest or bilinear)."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim, normalize_tuple, standardize_data_format
from pyfastfit.layers.layer import Layer

_INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling2D(Layer):
    """Upsamples the rows and columns of 4D images by `size`.

    Args:
        size: int or 2 ints, the factors for rows and columns. Defaults to `(2, 2)`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.
        interpolation: `"nearest"` (repeats rows and columns) or `"bilinear"`
            (`ops.image.resize`, half-pixel centres). Defaults to `"nearest"`.

    Input shape: 4D. Output shape: rows and columns multiplied by `size`.

    Example:

    >>> keras.layers.UpSampling2D((2, 3))(np.ones((1, 2, 2, 1))).shape
    (1, 4, 6, 1)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.size = normalize_tuple(size, 2, "size")
        interpolation = str(interpolation).lower()
        if interpolation not in _INTERPOLATIONS:
            raise ValueError(f"`interpolation` must be one of {_INTERPOLATIONS} in "
                             f"pyfastfit. Received: interpolation={interpolation}")
        self.interpolation = interpolation

    def build(self, input_shape):
        check_ndim(self, input_shape, 4)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 4)
        x = inputs
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 2, 3, 1))
        if self.interpolation == "nearest":
            x = ops.repeat(ops.repeat(x, self.size[0], axis=1), self.size[1], axis=2)
        else:
            x = ops.image.resize(x, (x.shape[1] * self.size[0], x.shape[2] * self.size[1]),
                                 interpolation=self.interpolation,
                                 data_format="channels_last")
        if self.data_format == "channels_first":
            x = ops.transpose(x, (0, 3, 1, 2))
        return x

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 4)
        first = 1 if self.data_format == "channels_last" else 2
        out = list(input_shape)
        for i in range(2):
            d = out[first + i]
            out[first + i] = d * self.size[i] if d is not None else None
        return tuple(out)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "data_format": self.data_format,
                       "interpolation": self.interpolation})
        return config
