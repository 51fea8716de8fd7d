"""SeparableConv2D: a depthwise 2D convolution followed by a 1x1 (pointwise) one."""

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers.convolutional import conv_utils as cu
from pyfastfit.layers.convolutional.base_conv import ConvCommon, _ser, forwarded_args


class SeparableConv2D(ConvCommon):
    """Depthwise separable 2D convolution: a per-channel spatial convolution
    (`depth_multiplier` filters per channel), then a 1x1 convolution mixing the channels
    into `filters` outputs, then the bias and activation.

    Args:
        filters: positive int, number of output channels.
        kernel_size: int or tuple of 2 ints (of the depthwise step).
        strides: int or tuple of 2 ints. Defaults to 1.
        padding: "valid" or "same".
        data_format: "channels_last" or "channels_first".
        dilation_rate: int or tuple of 2 ints.
        depth_multiplier: positive int. Defaults to 1.
        activation, use_bias: as in `Dense`.
        depthwise_initializer, pointwise_initializer, bias_initializer,
        depthwise_regularizer, pointwise_regularizer, bias_regularizer,
        activity_regularizer, depthwise_constraint, pointwise_constraint,
        bias_constraint: as in `Dense`, per weight.

    Weights (Keras order): `depthwise_kernel` of shape
    `kernel_size + (input_channels, depth_multiplier)`, `pointwise_kernel` of shape
    `(1, 1, input_channels * depth_multiplier, filters)`, `bias` of shape `(filters,)`.

    Example:

    >>> keras.layers.SeparableConv2D(4, 3, padding="same")(np.ones((1, 5, 5, 2))).shape
    (1, 5, 5, 4)
    """

    _rank = 2

    _refuse_strided_dilation = False  # Keras 3 accepts both here at construction

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1), depth_multiplier=1, activation=None,
                 use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(self._rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = cu.positive_int(depth_multiplier, "depth_multiplier")
        self.filters = cu.positive_int(filters, "filters")
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        _, _, channels = self._input_parts(input_shape)
        self._in_channels = channels
        self._check_output(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (channels, self.depth_multiplier),
            name="depthwise_kernel", initializer=self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            shape=(1,) * self._rank + (channels * self.depth_multiplier, self.filters),
            name="pointwise_kernel", initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint)
        self._add_bias(self.filters)
        self.built = True

    def call(self, inputs):
        self._check_call_rank(inputs)
        out = ops.separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel,
                                 strides=self.strides, padding=self.padding,
                                 data_format=self.data_format,
                                 dilation_rate=self.dilation_rate)
        return self._epilogue(out)

    def compute_output_shape(self, input_shape):
        batch, spatial, _ = self._input_parts(input_shape)
        return cu.join_shape(batch, self._spatial_out(spatial), self.filters,
                             self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"depth_multiplier": self.depth_multiplier, "filters": self.filters,
                       **self._common_config()})
        for k in ("depthwise", "pointwise", "bias"):
            config[f"{k}_initializer"] = initializers.serialize(
                getattr(self, f"{k}_initializer"))
        for kind, module in (("regularizer", regularizers), ("constraint", constraints)):
            for k in ("depthwise", "pointwise", "bias"):
                config[f"{k}_{kind}"] = _ser(module, getattr(self, f"{k}_{kind}"))
        return config


class SeparableConv1D(SeparableConv2D):
    """Depthwise separable 1D convolution (a per-channel convolution over the steps,
    then a pointwise one); arguments as `SeparableConv2D` with ints for the sizes. The
    kernels have shapes `(kernel_size, channels, depth_multiplier)` and
    `(1, channels * depth_multiplier, filters)` (Keras layout).

    Example:

    >>> keras.layers.SeparableConv1D(4, 3, padding="same")(np.ones((1, 7, 2))).shape
    (1, 7, 4)
    """

    _rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**forwarded_args(locals()))
