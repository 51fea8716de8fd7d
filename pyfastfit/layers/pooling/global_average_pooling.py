"""GlobalAveragePooling1D/2D/3D: the mean over the steps / spatial dimensions."""

from pyfastfit.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Global average pooling over the time axis of `(batch, steps, features)` inputs.

    Args:
        data_format: `"channels_last"` (inputs `(batch, steps, features)`) or
            `"channels_first"` (`(batch, features, steps)`). Defaults to
            `keras.config.image_data_format()`.
        keepdims: keep the pooled axis with size 1. Defaults to `False`.

    NaN in a window propagates to its output. `mask` (1D only) averages over the
    unmasked steps, as Keras.

    Input shape: 3D. Output shape: `(batch, features)`, or with `keepdims`
    `(batch, 1, features)` / `(batch, features, 1)`.

    Example:

    >>> keras.layers.GlobalAveragePooling1D()(np.ones((2, 5, 3))).shape
    (2, 3)
    """

    _rank = 1
    _reduce = "mean"


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Global average pooling over the spatial axes of 4D image inputs.

    Args:
        data_format: `"channels_last"` (`(batch, height, width, channels)`) or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.
        keepdims: keep the pooled axes with size 1. Defaults to `False`.

    Input shape: 4D. Output shape: `(batch, channels)`, or 4D with `keepdims`.

    Example:

    >>> keras.layers.GlobalAveragePooling2D()(np.ones((2, 4, 4, 3))).shape
    (2, 3)
    """

    _rank = 2
    _reduce = "mean"


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling over the spatial axes of 5D volume inputs.

    Args:
        data_format: `"channels_last"` (`(batch, depth, height, width, channels)`) or
            `"channels_first"`. Defaults to `keras.config.image_data_format()`.
        keepdims: keep the pooled axes with size 1. Defaults to `False`.

    Input shape: 5D. Output shape: `(batch, channels)`, or 5D with `keepdims`.

    Example:

    >>> keras.layers.GlobalAveragePooling3D()(np.ones((2, 3, 4, 4, 3))).shape
    (2, 3)
    """

    _rank = 3
    _reduce = "mean"
