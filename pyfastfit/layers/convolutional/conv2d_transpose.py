"""Conv1D/2D/3DTranspose: the gradient of a convolution with respect to its input, as a
layer."""

from pyfastfit import ops
from pyfastfit.layers.convolutional import conv_utils as cu
from pyfastfit.layers.convolutional.base_conv import BaseConv, forwarded_args


class Conv2DTranspose(BaseConv):
    """Transposed 2D convolution ("deconvolution"), e.g. to upsample feature maps.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints, the upsampling factor. Defaults to 1.
        padding: "valid" or "same" (output size = input * strides).
        output_padding: None, or an int or tuple of 2 ints, each `< strides`: the extra
            rows/columns added to the output (None infers them as Keras does).
        data_format: "channels_last" or "channels_first".
        dilation_rate: int or tuple of 2 ints (not with strides > 1).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer, activity_regularizer, kernel_constraint, bias_constraint:
            as in `Dense`.

    The kernel has shape `kernel_size + (filters, input_channels)` (Keras layout).

    Example:

    >>> keras.layers.Conv2DTranspose(4, 3, strides=2, padding="same")(
    ...     np.ones((1, 5, 5, 2))).shape
    (1, 10, 10, 4)
    """

    _rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(self._rank, **forwarded_args(locals(), "output_padding"))
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = cu.normalize_tuple(output_padding, self._rank,
                                                     "output_padding",
                                                       allow_zero=True)
            for i, (p, s) in enumerate(zip(self.output_padding, self.strides)):
                if p >= s:
                    raise ValueError(
                        "`output_padding` must be strictly less than `strides` for all "
                        f"dimensions. At dimension {i}, `output_padding` is {p} but "
                        f"`strides` is {s}. Received: output_padding="
                        f"{self.output_padding}, strides={self.strides}")

    def build(self, input_shape):
        _, _, channels = self._input_parts(input_shape)
        self._in_channels = channels
        self.kernel = self.add_weight(
            shape=self.kernel_size + (self.filters, channels), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_call_rank(inputs)
        out = ops.conv_transpose(inputs, self.kernel, strides=self.strides,
                                 padding=self.padding, output_padding=self.output_padding,
                                 data_format=self.data_format,
                                 dilation_rate=self.dilation_rate)
        return self._epilogue(out)

    def _spatial_out(self, spatial):
        pads = self.output_padding or (None,) * self._rank
        return tuple(cu.transpose_output_length(n, k, s, self.padding, p, d) for n, k, s, p, d
                     in zip(spatial, self.kernel_size, self.strides, pads,
                            self.dilation_rate))

    def get_config(self):
        config = super().get_config()
        del config["groups"]
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(Conv2DTranspose):
    """Transposed 1D convolution; arguments as `Conv2DTranspose` with ints for the
    sizes. The kernel has shape `(kernel_size, filters, input_channels)`.

    Example:

    >>> keras.layers.Conv1DTranspose(4, 3, strides=2, padding="same")(
    ...     np.ones((1, 5, 2))).shape
    (1, 10, 4)
    """

    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**forwarded_args(locals()))


class Conv3DTranspose(Conv2DTranspose):
    """Transposed 3D convolution; arguments as `Conv2DTranspose` with 3-tuples for the
    sizes. The kernel has shape `kernel_size + (filters, input_channels)`.

    Example:

    >>> keras.layers.Conv3DTranspose(4, 3, strides=2, padding="same")(
    ...     np.ones((1, 3, 5, 5, 2))).shape
    (1, 6, 10, 10, 4)
    """

    _rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1, 1),
                 activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**forwarded_args(locals()))
