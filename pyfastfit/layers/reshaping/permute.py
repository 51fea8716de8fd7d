"""Permute: reorders the non-batch dimensions."""

from pyfastfit import ops
from pyfastfit.layers.layer import Layer


class Permute(Layer):
    """Permutes the non-batch axes; `dims` is 1-indexed, as Keras.

    Example:

    >>> keras.layers.Permute((2, 1))(np.ones((4, 10, 64))).shape
    (4, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set "
                             "of indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={self.dims}")
        self.built = True

    def call(self, inputs):
        return ops.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config
