"""UpSampling1D: repeats each time step `size` times."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim
from pyfastfit.layers.layer import Layer


class UpSampling1D(Layer):
    """Repeats each temporal step `size` times along the time axis.

    Args:
        size: positive int, the upsampling factor. Defaults to `2`.

    Input shape: `(batch, steps, features)`. Output shape:
    `(batch, steps * size, features)`.

    Example:

    >>> keras.layers.UpSampling1D(2)(np.ones((1, 3, 4))).shape
    (1, 6, 4)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(f"Expected an integer value for `size`, got {type(size)}.")
        if size <= 0:
            raise ValueError(f"Argument `size` should be a positive integer. Received: "
                             f"size={size}")
        self.size = size

    def build(self, input_shape):
        check_ndim(self, input_shape, 3)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 3)
        return ops.repeat(inputs, self.size, axis=1)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 3)
        steps = input_shape[1] * self.size if input_shape[1] is not None else None
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config
