"""GroupNormalization and UnitNormalization (Keras 3), each one fused C++ op forward and
one backward (the fast path's nodes call the same kernels)."""

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.normalization.gamma_beta import gamma_beta_config
from pyfastfit.ops import _normalization as _norm


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
        rank = inputs.ndim
        axis = self.axis % rank
        if axis == rank - 1:
            return _norm.group_norm(inputs, self.groups, self.gamma, self.beta,
                                    self.epsilon)
        # The channels moved last for the fused op (channels-last), then back: the fast
        # path runs the same moves as permute nodes.
        perm = tuple(i for i in range(rank) if i != axis) + (axis,)
        y = _norm.group_norm(ops.transpose(inputs, perm), self.groups, self.gamma,
                             self.beta, self.epsilon)
        return ops.transpose(y, tuple(sorted(range(rank), key=perm.__getitem__)))

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
        rank = inputs.ndim
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -rank <= a < rank:
                raise ValueError(f"Invalid axis {a} for an input of shape "
                                 f"{tuple(inputs.shape)} (layer '{self.name}').")
        axes = sorted({a % rank for a in axes})
        if 0 in axes:  # across samples: composed ops
            square_sum = ops.sum(ops.square(inputs), axis=tuple(axes), keepdims=True)
            return ops.multiply(inputs, ops.rsqrt(ops.maximum(square_sum, 1e-12)))
        # One fused C++ op over the normalized axes moved last (the fast path's node
        # runs between the same moves).
        return _norm.over_trailing(inputs, axes, _norm.unit_norm)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config
