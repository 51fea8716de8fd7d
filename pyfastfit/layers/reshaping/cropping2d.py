"""Cropping2D: removes rows and columns at the borders of images."""

from pyfastfit.layers.reshaping.base_border import BaseCropping


class Cropping2D(BaseCropping):
    """Crops the rows and columns of 4D images.

    Args:
        cropping: int (all four sides), 2 ints `(symmetric_height_crop,
            symmetric_width_crop)` or `((top_crop, bottom_crop), (left_crop,
            right_crop))`. Defaults to `((0, 0), (0, 0))`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.Cropping2D(((1, 0), (0, 2)))(np.ones((1, 4, 5, 3))).shape
    (1, 3, 3, 3)
    """

    _spatial = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
