"""GroupNormalization and UnitNormalization (Keras 3), written with ops (eager path)."""

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.normalization.gamma_beta import gamma_beta_config


class GroupNormalization(Layer):
    """Normalizes each sample over groups of channels: the channels of `axis` are split
    into `groups` groups, and each group is normalized with the mean and (biased)
    variance of its values over all the other non-batch axes; then per-channel `gamma`
    and `beta`. `groups=channels` is instance normalization, `groups=1` layer
    normalization over all axes.

    Args:
        groups: number of groups; must divide the channel count. Defaults to 32.
        axis: the channel axis. Defaults to -1.
        epsilon: added to the variance. Defaults to 1e-3.
        center, scale: add `beta`, multiply by `gamma`. Default True.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
        beta_constraint, gamma_constraint: as in `LayerNormalization`.

    Weights, in order: `gamma`, `beta` (shape `(channels,)`).

    Example:

    >>> keras.layers.GroupNormalization(groups=2)(np.ones((1, 3, 4))).shape
    (1, 3, 4)
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.groups = int(groups)
        self.axis = int(axis)
        self.epsilon = float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.gamma = self.beta = None

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"Invalid axis {self.axis} for an input of shape "
                             f"{tuple(input_shape)} (layer '{self.name}').")
        channels = input_shape[self.axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined "
                             "dimension but the layer received an input with shape "
                             f"{tuple(input_shape)}.")
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups:
            raise ValueError(f"Number of groups ({self.groups}) cannot be more than the "
                             f"number of channels ({channels}).")
        if channels % self.groups:
            raise ValueError(f"Number of groups ({self.groups}) must be a multiple of the "
                             f"number of channels ({channels}).")
        if self.scale:
            self.gamma = self.add_weight(shape=(channels,), name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=(channels,), name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        rank = len(shape)
        axis = self.axis % rank
        channels = shape[axis]
        # (batch, ..., groups, channels / groups, ...): the group axis at `axis`.
        grouped = shape[:axis] + (self.groups, channels // self.groups) + shape[axis + 1:]
        x = ops.reshape(inputs, (-1,) + grouped[1:])
        reduce = tuple(i for i in range(1, rank + 1) if i != axis)
        mean = ops.mean(x, axis=reduce, keepdims=True)
        var = ops.mean(ops.square(ops.subtract(x, mean)), axis=reduce, keepdims=True)
        # As Keras: x * inv + (beta - mean * inv), inv = gamma / sqrt(var + eps).
        inv = ops.rsqrt(ops.add(var, self.epsilon))
        bshape = tuple(d if i in (axis, axis + 1) else 1 for i, d in enumerate(grouped))
        if self.gamma is not None:
            inv = ops.multiply(inv, ops.reshape(self.gamma, bshape))
        res = ops.negative(ops.multiply(mean, inv))
        if self.beta is not None:
            res = ops.add(res, ops.reshape(self.beta, bshape))
        out = ops.add(ops.multiply(x, inv), res)
        return ops.reshape(out, (-1,) + shape[1:])

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            **gamma_beta_config(self),
            "groups": self.groups, "axis": self.axis, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
        })
        return config


class UnitNormalization(Layer):
    """Scales each sample to unit L2 norm over `axis`: `x / sqrt(max(sum(x**2), 1e-12))`.

    Args:
        axis: int or list of ints, the axes the norm is taken over. Defaults to -1.

    Example:

    >>> keras.layers.UnitNormalization()(np.array([[3.0, 4.0]]))  # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Invalid value for `axis` argument: expected an int or a list/"
                            f"tuple of ints. Received: axis={axis}")
        self.built = True

    def call(self, inputs):
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        square_sum = ops.sum(ops.square(inputs), axis=axis, keepdims=True)
        return ops.multiply(inputs, ops.rsqrt(ops.maximum(square_sum, 1e-12)))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
