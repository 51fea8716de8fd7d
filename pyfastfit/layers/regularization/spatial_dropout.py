"""SpatialDropout1D/2D: Dropout that drops whole feature maps (channels) at a time."""

from pyfastfit.layers.input_checks import check_ndim, standardize_data_format
from pyfastfit.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout with one mask value per (sample, channel), broadcast over space/time.

    Subclasses set `_ndim` and define `_noise_shape()`. The masks come from the same
    seeded counter-based generator as `Dropout`.
    """

    _ndim = 3

    def __init__(self, rate, seed=None, name=None, dtype=None, **kwargs):
        kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)
        self.noise_shape = self._noise_shape()

    def build(self, input_shape):
        check_ndim(self, input_shape, self._ndim)
        self.built = True

    def call(self, inputs, training=False):
        check_ndim(self, inputs.shape, self._ndim)
        return super().call(inputs, training=training)

    def compute_output_shape(self, input_shape):
        check_ndim(self, input_shape, self._ndim)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape", None)
        return config


class SpatialDropout1D(BaseSpatialDropout):
    """Drops entire 1D feature maps: one mask value per (sample, channel) of
    `(batch, steps, channels)` inputs, so adjacent, correlated steps drop together.

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        seed: optional integer seed.

    Example:

    >>> keras.layers.SpatialDropout1D(0.5, seed=1)(np.ones((2, 3, 4)), training=True)
    """

    _ndim = 3

    def _noise_shape(self):
        return (None, 1, None)


class SpatialDropout2D(BaseSpatialDropout):
    """Drops entire 2D feature maps of 4D image inputs (one mask value per sample and
    channel).

    Args:
        rate: float in [0, 1), the fraction of channels to drop.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.
        seed: optional integer seed.

    Example:

    >>> keras.layers.SpatialDropout2D(0.5, seed=1)(np.ones((2, 3, 3, 4)), training=True)
    """

    _ndim = 4

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None,
                 **kwargs):
        self.data_format = standardize_data_format(data_format)
        super().__init__(rate, seed=seed, name=name, dtype=dtype, **kwargs)

    def _noise_shape(self):
        if self.data_format == "channels_first":
            return (None, None, 1, 1)
        return (None, 1, 1, None)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config
