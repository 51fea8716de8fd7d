"""The shared parts of the max and average pooling layers."""

from pyfastfit import ops
from pyfastfit.layers.convolutional import conv_utils as cu
from pyfastfit.layers.layer import Layer


class BasePooling(Layer):
    """Sweeps a `pool_size` window with `strides` over the spatial axes, taking the max
    or the mean. `strides` defaults to `pool_size`. With "same" padding the padded cells
    are left out (of the max, and of the mean's count), as in Keras. Not used directly."""

    _mode = None  # "max" or "average"

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.rank = rank
        self.pool_size = cu.normalize_tuple(pool_size, rank, "pool_size")
        strides = self.pool_size if strides is None else strides
        self.strides = cu.normalize_tuple(strides, rank, "strides")
        self.padding = cu.standardize_padding(padding, ("valid", "same"))
        self.data_format = cu.standardize_data_format(data_format)

    def _spatial_out(self, spatial):
        return tuple(cu.output_length(n, k, s, self.padding) for n, k, s in
                     zip(spatial, self.pool_size, self.strides))

    def _check(self, input_shape):
        input_shape = tuple(input_shape)
        cu.check_rank(self, input_shape, self.rank)
        return cu.split_shape(input_shape, self.data_format)

    def build(self, input_shape):
        _, spatial, _ = self._check(input_shape)
        cu.check_output_size(self, input_shape, self._spatial_out(spatial), "pool_size",
                             self.pool_size, self.strides, self.padding)
        self.built = True

    def call(self, inputs):
        if len(inputs.shape) != self.rank + 2:
            cu.check_rank(self, tuple(inputs.shape), self.rank)
        fn = ops.max_pool if self._mode == "max" else ops.average_pool
        return fn(inputs, self.pool_size, strides=self.strides, padding=self.padding,
                  data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        batch, spatial, channels = self._check(input_shape)
        return cu.join_shape(batch, self._spatial_out(spatial), channels, self.data_format)

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": self.pool_size, "padding": self.padding,
                       "strides": self.strides, "data_format": self.data_format})
        return config
