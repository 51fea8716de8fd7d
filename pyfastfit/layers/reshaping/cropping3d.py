"""Cropping3D: removes planes at the borders of volumes."""

from pyfastfit.layers.reshaping.base_border import BaseCropping


class Cropping3D(BaseCropping):
    """Crops the three spatial axes of 5D volumes.

    Args:
        cropping: int (all six sides), 3 ints (a symmetric crop per axis) or 3 pairs
            `((left_dim1_crop, right_dim1_crop), (left_dim2_crop, right_dim2_crop),
            (left_dim3_crop, right_dim3_crop))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` or `"channels_first"`. Defaults to
            `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.Cropping3D(((1, 0), (0, 2), 1))(np.ones((1, 4, 5, 3, 2))).shape
    (1, 3, 3, 1, 2)
    """

    _spatial = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)
