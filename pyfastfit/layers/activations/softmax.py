"""Softmax layer."""

from pyfastfit import activations, ops
from pyfastfit.layers.layer import Layer


class Softmax(Layer):
    """Softmax along `axis`; an optional boolean `mask` excludes entries (set to -1e9)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def call(self, inputs, mask=None):
        if mask is not None:
            penalty = ops.multiply(ops.subtract(1.0, ops.cast(mask, "float32")), -1e9)
            inputs = ops.add(inputs, penalty)
        if isinstance(self.axis, (tuple, list)):
            if len(self.axis) > 1:
                lse = ops.logsumexp(inputs, axis=tuple(self.axis), keepdims=True)
                return ops.exp(ops.subtract(inputs, lse))
            return activations.softmax(inputs, axis=self.axis[0])
        return activations.softmax(inputs, axis=self.axis)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
