"""DepthwiseConv2D: one (or `depth_multiplier`) 2D filter per input channel."""

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers.convolutional import conv_utils as cu
from pyfastfit.layers.convolutional.base_conv import ConvCommon, _ser, forwarded_args


class DepthwiseConv2D(ConvCommon):
    """Depthwise 2D convolution: each input channel is convolved with its own
    `depth_multiplier` filters; outputs have `channels * depth_multiplier` channels.

    Args:
        kernel_size: int or tuple of 2 ints.
        strides: int or tuple of 2 ints. Defaults to 1.
        padding: "valid" or "same".
        depth_multiplier: positive int, filters per input channel. Defaults to 1.
        data_format: "channels_last" or "channels_first".
        dilation_rate: int or tuple of 2 ints.
        activation, use_bias: as in `Dense`.
        depthwise_initializer, bias_initializer, depthwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, bias_constraint: as in `Dense`.

    The kernel (named "kernel", as Keras 3) has shape
    `kernel_size + (input_channels, depth_multiplier)`.

    Example:

    >>> keras.layers.DepthwiseConv2D(3, depth_multiplier=2)(np.ones((1, 5, 5, 3))).shape
    (1, 3, 3, 6)
    """

    _rank = 2
    _refuse_strided_dilation = False  # Keras 3 accepts both here at construction

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(self._rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = cu.positive_int(depth_multiplier, "depth_multiplier")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        _, _, channels = self._input_parts(input_shape)
        self._in_channels = channels
        self._check_output(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier), name="kernel",
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self._add_bias(channels * self.depth_multiplier)
        self.built = True

    def call(self, inputs):
        self._check_call_rank(inputs)
        out = ops.depthwise_conv(inputs, self.kernel, strides=self.strides,
                                 padding=self.padding, data_format=self.data_format,
                                 dilation_rate=self.dilation_rate)
        return self._epilogue(out)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = self._input_parts(input_shape)
        return cu.join_shape(batch, self._spatial_out(spatial),
                             channels * self.depth_multiplier, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, **self._common_config()})
        config.update({
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": _ser(regularizers, self.depthwise_regularizer),
            "bias_regularizer": _ser(regularizers, self.bias_regularizer),
            "depthwise_constraint": _ser(constraints, self.depthwise_constraint),
            "bias_constraint": _ser(constraints, self.bias_constraint),
        })
        return config


class DepthwiseConv1D(DepthwiseConv2D):
    """Depthwise 1D convolution: each input channel convolved over the steps with its own
    `depth_multiplier` filters; arguments as `DepthwiseConv2D` with ints for the sizes.
    The kernel has shape `(kernel_size, channels, depth_multiplier)`.

    Example:

    >>> keras.layers.DepthwiseConv1D(3, depth_multiplier=2)(np.ones((1, 5, 3))).shape
    (1, 3, 6)
    """

    _rank = 1

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**forwarded_args(locals()))
