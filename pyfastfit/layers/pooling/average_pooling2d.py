"""AveragePooling2D: mean over windows of the spatial axes."""

from pyfastfit.layers.pooling.base_pooling import BasePooling


class AveragePooling2D(BasePooling):
    """Average pooling for 2D spatial data: the mean of each window.

    Args:
        pool_size: an int or tuple of 2 ints, the window size.
        strides: an int or tuple of 2 ints, or None (= `pool_size`).
        padding: "valid" or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, height, width, channels)` or "channels_first".

    Example:

    >>> keras.layers.AveragePooling2D((2, 2))(np.ones((2, 6, 6, 3))).shape
    (2, 3, 3, 3)
    """

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(2, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)
