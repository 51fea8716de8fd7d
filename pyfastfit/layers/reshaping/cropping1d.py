"""Cropping1D: removes steps at the start and end of a sequence."""

from pyfastfit.layers.input_checks import check_ndim, normalize_tuple
from pyfastfit.layers.layer import Layer


class Cropping1D(Layer):
    """Crops the time axis of `(batch, steps, features)` inputs.

    Args:
        cropping: int (both sides) or 2 ints `(left_crop, right_crop)`.
            Defaults to `(1, 1)`.

    Example:

    >>> keras.layers.Cropping1D((1, 2))(np.ones((1, 5, 4))).shape
    (1, 2, 4)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.cropping = normalize_tuple(cropping, 2, "cropping", allow_zero=True)

    def _check(self, shape, what):
        check_ndim(self, shape, 3)
        if shape[1] is not None and sum(self.cropping) >= shape[1]:
            raise ValueError("`cropping` parameter of `Cropping1D` layer must be smaller "
                             f"than the input length. Received: {what}={tuple(shape)}, "
                             f"cropping={self.cropping}")

    def build(self, input_shape):
        self._check(input_shape, "input_shape")
        self.built = True

    def call(self, inputs):
        self._check(inputs.shape, "inputs.shape")
        return inputs[:, self.cropping[0]:inputs.shape[1] - self.cropping[1], :]

    def compute_output_shape(self, input_shape):
        self._check(input_shape, "input_shape")
        steps = input_shape[1] - sum(self.cropping) if input_shape[1] is not None else None
        return (input_shape[0], steps, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping
        return config
