"""Dense: `activation(inputs @ kernel + bias)` as one fused C++ op."""

from pyfastfit import activations, constraints, initializers, regularizers
from pyfastfit.ops import _nn as nn
from pyfastfit.layers.layer import Layer


class Dense(Layer):
    """Densely-connected layer: `activation(dot(inputs, kernel) + bias)`.

    Args:
        units: positive int, output dimension.
        activation: activation name or function. Defaults to linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: defaults to "glorot_uniform".
        bias_initializer: defaults to "zeros".
        kernel_regularizer, bias_regularizer, activity_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional constraints.

    The kernel has shape `(input_dim, units)` (Keras layout).

    Example:

    >>> layer = keras.layers.Dense(4, activation="relu")
    >>> layer(np.ones((2, 3))).shape
    (2, 4)
    """

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = units
        self.activation = activations.get(activation)
        self._fused = activations.FUSED.get(self.activation)
        self._fused_alpha = activations.FUSED_ALPHA.get(self._fused, 0.0)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ValueError(f"The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight(shape=(input_dim, self.units), name="kernel",
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), name="bias",
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        if self._fused is not None:
            return nn.dense(inputs, self.kernel, self.bias, self._fused, self._fused_alpha)
        return self.activation(nn.dense(inputs, self.kernel, self.bias, "linear"))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": (regularizers.serialize(self.kernel_regularizer)
                                   if self.kernel_regularizer else None),
            "bias_regularizer": (regularizers.serialize(self.bias_regularizer)
                                 if self.bias_regularizer else None),
            "kernel_constraint": (constraints.serialize(self.kernel_constraint)
                                  if self.kernel_constraint else None),
            "bias_constraint": (constraints.serialize(self.bias_constraint)
                                if self.bias_constraint else None),
        })
        return config
