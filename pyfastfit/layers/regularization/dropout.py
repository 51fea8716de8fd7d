"""Dropout: zeroes a fraction of the inputs during training."""

from pyfastfit import backend, ops
from pyfastfit.ops import _random as random_ops
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.regularization.call_counter import CallCounter


class Dropout(CallCounter, Layer):
    """Randomly sets inputs to 0 with frequency `rate` during training, scaling the
    others by `1 / (1 - rate)`; the identity when `training` is falsy.

    The mask is drawn in C++ from a counter-based generator keyed by `(seed, call
    counter, element index)`, so runs with the same seed (or after
    `utils.set_random_seed`) draw the same masks.

    Args:
        rate: float in [0, 1): fraction of the inputs to drop.
        noise_shape: optional shape of the binary mask, broadcast over the input
            (e.g. `(batch, 1, features)`); None dims take the input's size.
        seed: optional integer seed.

    Example:

    >>> layer = keras.layers.Dropout(0.5, seed=1)
    >>> layer(np.ones((2, 4)), training=True)  # half zeros, others 2.0
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate = rate
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed
        self._seed = seed if seed is not None else backend.draw_seed()
        self._init_counter()
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None:
            return random_ops.dropout(inputs, self.rate, self._seed, self._counter_t)
        shape = tuple(d if d is not None else inputs.shape[i]
                      for i, d in enumerate(self.noise_shape))
        mask = random_ops.dropout(ops.ones(shape), self.rate, self._seed, self._counter_t)
        return ops.multiply(inputs, mask)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "seed": self.seed,
                       "noise_shape": list(self.noise_shape) if self.noise_shape else None})
        return config
