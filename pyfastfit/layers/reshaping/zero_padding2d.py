"""ZeroPadding2D: adds rows and columns of zeros around images."""

from pyfastfit.layers.reshaping.base_border import BaseZeroPadding


class ZeroPadding2D(BaseZeroPadding):
    """Pads the rows and columns of 4D images with zeros.

    Args:
        padding: int (all four sides), 2 ints `(symmetric_height_pad,
            symmetric_width_pad)` or `((top_pad, bottom_pad), (left_pad, right_pad))`.
            Defaults to `(1, 1)`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 2, 2, 1))).shape
    (1, 3, 7, 1)
    """

    _spatial = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)
