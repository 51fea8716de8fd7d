"""AveragePooling1D: mean over windows of the temporal axes."""

from pyfastfit.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """Average pooling for 1D temporal data: the mean of each window.

    Args:
        pool_size: an int or tuple of 1 int, the window size.
        strides: an int or tuple of 1 int, or None (= `pool_size`).
        padding: "valid" or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, steps, channels)` or "channels_first".

    Example:

    >>> keras.layers.AveragePooling1D(2)(np.ones((2, 10, 3))).shape
    (2, 5, 3)
    """

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(1, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)
