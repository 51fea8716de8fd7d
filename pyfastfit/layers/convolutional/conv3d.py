"""Conv3D: spatial convolution over volumes."""

from pyfastfit.layers.convolutional.base_conv import BaseConv, forwarded_args


class Conv3D(BaseConv):
    """3D convolution: `activation(conv3d(inputs, kernel) + bias)`.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 3 ints, the window's depth, height and width.
        strides: int or tuple of 3 ints. Defaults to 1.
        padding: "valid" (no padding) or "same" (output size = ceil(input / strides)).
        data_format: "channels_last" `(batch, depth, height, width, channels)` or
            "channels_first" `(batch, channels, depth, height, width)`.
        dilation_rate: int or tuple of 3 ints (not with strides > 1).
        groups: positive int dividing the input channels and `filters`.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Dense`.

    The kernel has shape `kernel_size + (input_channels // groups, filters)`. It runs the
    im2col + GEMM kernels of Conv2D with a depth dimension.

    Example:

    >>> keras.layers.Conv3D(8, 3, padding="same")(np.ones((2, 4, 5, 5, 3))).shape
    (2, 4, 5, 5, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(3, **forwarded_args(locals()))
