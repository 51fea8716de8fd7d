"""GaussianNoise: adds zero-mean Gaussian noise during training."""

from pyfastfit import backend
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.regularization.call_counter import CallCounter
from pyfastfit.ops import _random as random_ops


class GaussianNoise(CallCounter, Layer):
    """Adds `N(0, stddev^2)` noise to the inputs in training; the identity otherwise.

    The noise is a pure function of the layer's seed, its call counter and the
    element's index (the counter-based generator Dropout uses), so with a seed (or after
    `utils.set_random_seed`) runs draw the same noise, on the eager path and in fit's
    C++ fast path alike.

    Args:
        stddev: float in [0, 1], the standard deviation of the noise.
        seed: optional integer seed.

    Example:

    >>> layer = keras.layers.GaussianNoise(0.1, seed=1)
    >>> layer(np.zeros((2, 3)), training=True).shape
    (2, 3)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(stddev, bool) or not 0 <= stddev <= 1:
            raise ValueError("Invalid value received for argument `stddev`. Expected a "
                             f"float value between 0 and 1. Received: stddev={stddev}")
        self.stddev = stddev
        self.seed = seed
        self._seed = seed if seed is not None else backend.draw_seed()
        self._init_counter()
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if training and self.stddev > 0:
            return random_ops.gaussian_noise(inputs, self.stddev, self._seed,
                                             self._counter_t)
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config
