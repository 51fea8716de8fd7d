"""GlobalMaxPooling1D/2D/3D: the maximum over the steps / spatial dimensions."""

from pyfastfit.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global max pooling over the time axis of `(batch, steps, features)` inputs.

    Args:
        data_format: `"channels_last"` (inputs `(batch, steps, features)`) or
            `"channels_first"` (`(batch, features, steps)`). Defaults to
            `keras.config.image_data_format()`.
        keepdims: keep the pooled axis with size 1. Defaults to `False`.

    NaN in a window propagates to its output.

    Input shape: 3D. Output shape: `(batch, features)`, or with `keepdims`
    `(batch, 1, features)` / `(batch, features, 1)`.

    Example:

    >>> keras.layers.GlobalMaxPooling1D()(np.ones((2, 5, 3))).shape
    (2, 3)
    """

    _rank = 1
    _reduce = "max"


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Global max pooling over the spatial axes of 4D image inputs.

    Args:
        data_format: `"channels_last"` (`(batch, height, width, channels)`) or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.
        keepdims: keep the pooled axes with size 1. Defaults to `False`.

    Input shape: 4D. Output shape: `(batch, channels)`, or 4D with `keepdims`.

    Example:

    >>> keras.layers.GlobalMaxPooling2D()(np.ones((2, 4, 4, 3))).shape
    (2, 3)
    """

    _rank = 2
    _reduce = "max"


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Global max pooling over the spatial axes of 5D volume inputs.

    Args:
        data_format: `"channels_last"` (`(batch, depth, height, width, channels)`) or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.
        keepdims: keep the pooled axes with size 1. Defaults to `False`.

    Input shape: 5D. Output shape: `(batch, channels)`, or 5D with `keepdims`.

    Example:

    >>> keras.layers.GlobalMaxPooling3D()(np.ones((2, 3, 4, 4, 3))).shape
    (2, 3)
    """

    _rank = 3
    _reduce = "max"
