"""Reshape: gives the non-batch dimensions a new shape."""

import math

from pyfastfit import ops
from pyfastfit.layers.layer import Layer


class Reshape(Layer):
    """Reshapes inputs to `(batch,) + target_shape`; one entry may be -1.

    Args:
        target_shape: tuple of ints, without the batch dimension.

    Example:

    >>> keras.layers.Reshape((3, 4))(np.ones((2, 12))).shape
    (2, 3, 4)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError("There must be at most one unknown dimension (-1) in "
                             f"`target_shape`. Received: target_shape={self.target_shape}")
        self.built = True

    def _resolve(self, input_shape):
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 not in self.target_shape:
            rest = input_shape[1:]
            if None not in rest and math.prod(rest) != known:
                raise ValueError(
                    f"total size of new array must be unchanged, input_shape = "
                    f"{list(rest)}, output_shape = {list(self.target_shape)}")
            return self.target_shape
        rest = input_shape[1:]
        if None in rest:
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        if known == 0 or total % known:
            raise ValueError(f"total size of new array must be unchanged, input_shape = "
                             f"{list(rest)}, output_shape = {list(self.target_shape)}")
        return tuple(total // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return ops.reshape(inputs, (inputs.shape[0],) + self._resolve(inputs.shape))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(input_shape)

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config
