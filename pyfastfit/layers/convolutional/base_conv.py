"""The shared parts of the convolution layers: argument checks, input checks, the bias +
activation epilogue and the common config (as Keras 3's BaseConv)."""

from pyfastfit import activations, constraints, initializers, ops, regularizers
from pyfastfit.ops import _conv as conv_ops
from pyfastfit.layers.convolutional import conv_utils as cu
from pyfastfit.layers.layer import Layer


def _ser(module, obj):
    return module.serialize(obj) if obj is not None else None


def forwarded_args(init_locals, *own):
    """The arguments of a subclass `__init__` (its `locals()`), ready to pass on to
    `super().__init__(rank, **...)`, less the names in `own` that the subclass handles: each
    layer keeps Keras's explicit signature without spelling every argument twice."""
    args = {k: v for k, v in init_locals.items()
            if k not in ("self", "__class__", "kwargs") + own}
    args.update(init_locals.get("kwargs", {}))
    return args


class ConvCommon(Layer):
    """Arguments every convolution layer takes: `kernel_size`, `strides`, `padding`,
    `data_format`, `dilation_rate`, `activation`, `use_bias`. Not used directly."""

    _paddings = ("valid", "same")
    _refuse_strided_dilation = True

    def __init__(self, rank, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, activity_regularizer=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.kernel_size = cu.normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = cu.normalize_tuple(strides, rank, "strides")
        self.dilation_rate = cu.normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.padding = cu.standardize_padding(padding, self._paddings)
        self.data_format = cu.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        if (self._refuse_strided_dilation and max(self.strides) > 1
                and max(self.dilation_rate) > 1):
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def _input_parts(self, input_shape):
        """(batch, spatial, channels) after the rank and channel checks."""
        input_shape = tuple(input_shape)
        cu.check_rank(self, input_shape, self.rank)
        batch, spatial, channels = cu.split_shape(input_shape, self.data_format)
        if channels is None:
            raise ValueError(f"The channel dimension of the inputs to layer '{self.name}' "
                             f"should be defined. Found None. Full input shape received: "
                             f"{input_shape}")
        return batch, spatial, channels

    def _spatial_out(self, spatial):
        return tuple(cu.output_length(n, k, s, self.padding, d) for n, k, s, d in
                     zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def _check_output(self, input_shape):
        spatial_out = self._spatial_out(self._input_parts(input_shape)[1])
        cu.check_output_size(self, input_shape, spatial_out, "kernel_size", self.kernel_size,
                             self.strides, self.padding, self.dilation_rate)

    def _check_call_rank(self, inputs):
        shape = tuple(inputs.shape)
        if len(shape) != self.rank + 2:
            cu.check_rank(self, shape, self.rank)
        axis = -1 if self.data_format == "channels_last" else 1
        built = self.__dict__.get("_in_channels")
        # A multiple of the built channel count would pass ops.conv as more groups.
        if built is not None and shape[axis] != built:
            raise ValueError(f"Input 0 of layer '{self.name}' is incompatible with the layer: "
                             f"expected axis {axis} of input shape to have value {built}, "
                             f"but received input with shape {shape}")

    def _epilogue(self, outputs):
        """Adds the bias (over the channel axis) and applies the activation."""
        if self.use_bias:
            bias = self.bias
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (-1,) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        if self.activation is not None:
            outputs = self.activation(outputs)
        return outputs

    def _add_bias(self, n):
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(n,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _common_config(self):
        return {
            "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
        }


class BaseConv(ConvCommon):
    """N-D convolution `activation(conv(inputs, kernel) + bias)` with `filters` outputs.

    The kernel has shape `kernel_size + (input_channels // groups, filters)` (Keras layout).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate,
                         activation=activation, use_bias=use_bias,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.filters = cu.positive_int(filters, "filters")
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0:
            raise ValueError("The number of groups must be a positive integer. "
                             f"Received: groups={groups}.")
        if filters % groups:
            raise ValueError("The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={groups}, filters={filters}.")
        self.groups = groups
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def build(self, input_shape):
        _, _, channels = self._input_parts(input_shape)
        self._in_channels = channels
        if channels % self.groups:
            raise ValueError("The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the "
                             f"input has {channels} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        self._check_output(input_shape)
        self.kernel = self.add_weight(
            shape=self.kernel_size + (channels // self.groups, self.filters), name="kernel",
            initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint)
        self._add_bias(self.filters)
        self.built = True

    def _causal(self, inputs):
        """(inputs, padding) for the convolution: causal = left padding by the dilated
        kernel's reach, then a valid conv."""
        if self.padding != "causal":
            return inputs, self.padding
        reach = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        pads = [(0, 0), (reach, 0), (0, 0)]
        if self.data_format == "channels_first":
            pads = [(0, 0), (0, 0), (reach, 0)]
        return ops.pad(inputs, pads), "valid"

    def _conv(self, inputs, kernel):
        inputs, padding = self._causal(inputs)
        return ops.conv(inputs, kernel, strides=self.strides, padding=padding,
                        data_format=self.data_format, dilation_rate=self.dilation_rate)

    def _fused_activation(self):
        """(name, alpha) of the activation when the bias and activation can run inside the
        convolution kernel (a built-in one; softmax-like ones only where their axis, the
        last, is the channels), else None."""
        name = activations.FUSED.get(self.activation)
        if name in ("softmax", "log_softmax") and self.data_format == "channels_first":
            return None
        return None if name is None else (name, activations.FUSED_ALPHA.get(name, 0.0))

    def call(self, inputs):
        self._check_call_rank(inputs)
        # groups need no splitting: the ops read them from the kernel's input channels
        fused = self._fused_activation()
        if fused is None:
            return self._epilogue(self._conv(inputs, self.kernel))
        inputs, padding = self._causal(inputs)
        return conv_ops.conv_fused(inputs, self.kernel, self.bias, *fused,
                                   strides=self.strides, padding=padding,
                                   data_format=self.data_format,
                                   dilation_rate=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        batch, spatial, _ = self._input_parts(input_shape)
        return cu.join_shape(batch, self._spatial_out(spatial), self.filters,
                             self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"filters": self.filters, **self._common_config(),
                       "groups": self.groups})
        config.update(self._weight_config("kernel"))
        return config

    def _weight_config(self, *kernels):
        out = {}
        for k in kernels:
            out[f"{k}_initializer"] = initializers.serialize(getattr(self, f"{k}_initializer"))
        out["bias_initializer"] = initializers.serialize(self.bias_initializer)
        for k in kernels + ("bias",):
            out[f"{k}_regularizer"] = _ser(regularizers, getattr(self, f"{k}_regularizer"))
        for k in kernels + ("bias",):
            out[f"{k}_constraint"] = _ser(constraints, getattr(self, f"{k}_constraint"))
        return out
