"""MaxPooling3D: maximum over windows of the spatial axes of volumes."""

from pyfastfit.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """Max pooling for 3D spatial data: the maximum of each window.

    Args:
        pool_size: an int or tuple of 3 ints, the window size. Defaults to (2, 2, 2).
        strides: an int or tuple of 3 ints, or None (= `pool_size`).
        padding: "valid" or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, depth, height, width, channels)` or
            "channels_first".

    Example:

    >>> keras.layers.MaxPooling3D((2, 2, 2))(np.ones((2, 4, 6, 6, 3))).shape
    (2, 2, 3, 3, 3)
    """

    _mode = "max"

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(3, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)
