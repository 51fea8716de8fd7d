"""ActivityRegularization: adds an L1/L2 penalty on its inputs to the losses."""

from pyfastfit import regularizers
from pyfastfit.layers.layer import Layer


class ActivityRegularization(Layer):
    """Identity layer that adds `l1 * sum(|x|) + l2 * sum(x**2)` (divided by the batch
    size, as Keras) to the model's losses.

    Args:
        l1: L1 factor.
        l2: L2 factor.
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = l1, l2
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        config.update({"l1": self.l1, "l2": self.l2})
        return config
