"""Rescaling: `inputs * scale + offset`."""

from pyfastfit import ops
from pyfastfit.layers.layer import Layer


class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset` (e.g. `Rescaling(1/255)`).

    Example:

    >>> keras.layers.Rescaling(1 / 255)(np.full((1, 2), 255.0))  # [[1., 1.]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        x = ops.cast(inputs, "float32") if inputs.dtype != "float32" else inputs
        x = ops.multiply(x, self.scale)
        if not (isinstance(self.offset, (int, float)) and self.offset == 0):
            x = ops.add(x, self.offset)
        return x

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()

        def plain(v):
            return v.tolist() if hasattr(v, "tolist") else v

        config.update({"scale": plain(self.scale), "offset": plain(self.offset)})
        return config
