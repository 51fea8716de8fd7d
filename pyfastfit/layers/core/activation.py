"""Activation layer."""

from pyfastfit import activations
from pyfastfit.layers.layer import Layer


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: activation name (e.g. "relu") or function.

    Example:

    >>> keras.layers.Activation("relu")(np.array([-1.0, 2.0]))  # [0., 2.]
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config
