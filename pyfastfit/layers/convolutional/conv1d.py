"""Conv1D: temporal convolution, with Keras's "causal" padding."""

from pyfastfit.layers.convolutional.base_conv import BaseConv, forwarded_args


class Conv1D(BaseConv):
    """1D convolution: `activation(conv1d(inputs, kernel) + bias)`.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 1 int, the window length.
        strides: int or tuple of 1 int. Defaults to 1.
        padding: "valid", "same" or "causal" (output `t` sees inputs `<= t` only).
        data_format: "channels_last" `(batch, steps, channels)` or "channels_first".
        dilation_rate: int or tuple of 1 int (not with strides > 1).
        groups: positive int dividing the input channels and `filters`.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Dense`.

    The kernel has shape `(kernel_size, input_channels // groups, filters)`.

    Example:

    >>> keras.layers.Conv1D(4, 3)(np.ones((2, 10, 3))).shape
    (2, 8, 4)
    """

    _paddings = ("valid", "same", "causal")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(1, **forwarded_args(locals()))
