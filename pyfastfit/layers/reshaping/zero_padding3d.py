"""ZeroPadding3D: adds planes of zeros around volumes."""

from pyfastfit.layers.reshaping.base_border import BaseZeroPadding


class ZeroPadding3D(BaseZeroPadding):
    """Pads the three spatial axes of 5D volumes with zeros.

    Args:
        padding: int (all six sides), 3 ints (a symmetric pad per axis) or 3 pairs
            `((left_dim1_pad, right_dim1_pad), (left_dim2_pad, right_dim2_pad),
            (left_dim3_pad, right_dim3_pad))`. Defaults to `((1, 1), (1, 1), (1, 1))`.
        data_format: `"channels_last"` `(batch, dim1, dim2, dim3, channels)` or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.

    Example:

    >>> keras.layers.ZeroPadding3D(((1, 0), (2, 3), 1))(np.ones((1, 2, 2, 2, 1))).shape
    (1, 3, 7, 4, 1)
    """

    _spatial = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)
