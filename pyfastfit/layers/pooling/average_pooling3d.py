"""AveragePooling3D: mean over windows of the spatial axes of volumes."""

from pyfastfit.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """Average pooling for 3D spatial data: the mean of each window ("same" padding is
    not counted).

    Args:
        pool_size: an int or tuple of 3 ints, the window size.
        strides: an int or tuple of 3 ints, or None (= `pool_size`).
        padding: "valid" or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, depth, height, width, channels)` or
            "channels_first".

    Example:

    >>> keras.layers.AveragePooling3D(2)(np.ones((2, 4, 6, 6, 3))).shape
    (2, 2, 3, 3, 3)
    """

    _mode = "average"

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(3, pool_size, strides=strides, padding=padding,
                         data_format=data_format, name=name, **kwargs)
