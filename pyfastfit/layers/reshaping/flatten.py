"""Flatten: collapses all non-batch dimensions."""

import math

from pyfastfit import backend, ops
from pyfastfit.layers.layer import Layer


class Flatten(Layer):
    """Flattens the input to `(batch, -1)` (no copy for contiguous tensors).

    Example:

    >>> keras.layers.Flatten()(np.ones((2, 3, 4))).shape
    (2, 12)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or backend.image_data_format()
        self.built = True

    def call(self, inputs):
        shape = inputs.shape
        if self.data_format == "channels_first" and len(shape) > 2:
            # As Keras: channels last first, so the flattened order does not depend on
            # the data format.
            inputs = ops.transpose(inputs, (0, *range(2, len(shape)), 1))
        return ops.reshape(inputs, (shape[0], math.prod(shape[1:])))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        n = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
