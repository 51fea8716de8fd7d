"""MaxPooling2D: maximum over windows of the spatial axes."""

from pyfastfit.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """Max pooling for 2D spatial data: the maximum of each window.

    Args:
        pool_size: an int or tuple of 2 ints, the window size. Defaults to (2, 2).
        strides: an int or tuple of 2 ints, or None (= `pool_size`).
        padding: "valid" or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, height, width, channels)` or "channels_first".

    Example:

    >>> keras.layers.MaxPooling2D((2, 2))(np.ones((2, 6, 6, 3))).shape
    (2, 3, 3, 3)
    """

    _mode = "max"

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None,
                 **kwargs):
        super().__init__(2, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)
