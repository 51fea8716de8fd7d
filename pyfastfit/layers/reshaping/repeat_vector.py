"""RepeatVector: repeats a 2D input `n` times along a new time axis."""

from pyfastfit import ops
from pyfastfit.layers.input_checks import check_ndim
from pyfastfit.layers.layer import Layer


class RepeatVector(Layer):
    """Repeats the input `n` times: `(batch, features)` -> `(batch, n, features)`.

    Args:
        n: positive int, the repetition factor.

    Example:

    >>> keras.layers.RepeatVector(3)(np.ones((2, 4))).shape
    (2, 3, 4)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n

    def build(self, input_shape):
        check_ndim(self, input_shape, 2)
        self.built = True

    def call(self, inputs):
        check_ndim(self, inputs.shape, 2)
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, 2)
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config
