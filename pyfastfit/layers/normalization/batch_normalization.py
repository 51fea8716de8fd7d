"""BatchNormalization: normalizes with batch statistics in training, moving ones otherwise."""

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers import layer as layer_module
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.normalization.gamma_beta import gamma_beta_config
from pyfastfit.ops import _normalization as _norm


class BatchNormalization(Layer):
    """Normalizes its inputs over every axis but `axis` (Keras 3 semantics).

    In training (`training=True` and the layer trainable) the output uses the batch's
    mean and biased variance, and the moving statistics are updated as
    `moving = moving * momentum + batch * (1 - momentum)`. Otherwise (inference, or a
    layer with `trainable=False`, which Keras 3 runs in inference mode) the moving
    statistics are used and nothing is updated. The output is
    `gamma * (x - mean) / sqrt(var + epsilon) + beta`, computed by one fused C++ op
    forward (statistics included) and one backward.

    Args:
        axis: int, the features axis. Defaults to `-1`.
        momentum: momentum of the moving statistics. Defaults to `0.99`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: add the offset `beta`. Defaults to `True`.
        scale: multiply by `gamma`. Defaults to `True`.
        beta_initializer, gamma_initializer, moving_mean_initializer,
            moving_variance_initializer: defaults `"zeros"`, `"ones"`, `"zeros"`,
            `"ones"`.
        beta_regularizer, gamma_regularizer: optional penalties.
        beta_constraint, gamma_constraint: optional constraints.
        synchronized: accepted for compatibility; only `False` (one process).

    Weights, in order: `gamma`, `beta` (trainable), `moving_mean`, `moving_variance`.

    Example:

    >>> layer = keras.layers.BatchNormalization()
    >>> layer(np.ones((4, 3)), training=True).shape
    (4, 3)
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f"Expected an integer `axis`. Received: axis={axis}")
        if renorm:
            raise ValueError("BatchNormalization(renorm=True) is not supported by "
                             f"pyfastfit. Received: renorm={renorm}")
        if synchronized:
            raise ValueError("Argument synchronized=True is only supported with the "
                             f"TensorFlow backend. Received: synchronized={synchronized}")
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be positive. Received: epsilon={epsilon}")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = False
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.synchronized = False
        self.supports_masking = True
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def _check_axis(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                             f"{tuple(input_shape)}. Received: axis={self.axis}")
        return self.axis % ndim

    def build(self, input_shape):
        axis = self._check_axis(input_shape)
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of the input to BatchNormalization must "
                             f"be defined. Full input shape received: {input_shape}")
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight(shape=shape, name="moving_mean",
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight(shape=shape, name="moving_variance",
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self._ndim = len(input_shape)
        self._dim = dim
        self.built = True

    def _check_input(self, inputs):
        shape = tuple(inputs.shape)
        if len(shape) != self._ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f"layer: expected ndim={self._ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        axis = self.axis % self._ndim
        if shape[axis] != self._dim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f"layer: expected axis {self.axis} of input shape to have "
                             f"value {self._dim}, but received input with shape {shape}")
        return axis

    def _masked_moments(self, inputs, axes, mask):
        """(mean, var) as (C,) vectors over the unmasked positions (composed ops, so the
        gradient flows through them into the fused normalization)."""
        if len(mask.shape) != len(inputs.shape) - 1:
            raise ValueError("The mask provided should be one dimension less than the "
                             f"inputs. Received: mask.shape={tuple(mask.shape)}, "
                             f"inputs.shape={tuple(inputs.shape)}")
        # Masked positions count neither in the sums nor in the divisor (Keras).
        weights = ops.broadcast_to(ops.expand_dims(ops.cast(mask, inputs.dtype), -1),
                                   tuple(inputs.shape))
        count = ops.add(ops.sum(weights, axis=axes, keepdims=True), 1e-7)
        mean = ops.divide(ops.sum(ops.multiply(inputs, weights), axis=axes,
                                  keepdims=True), count)
        dev = ops.multiply(ops.subtract(inputs, mean), weights)
        var = ops.divide(ops.sum(ops.square(dev), axis=axes, keepdims=True), count)
        return ops.reshape(mean, (self._dim,)), ops.reshape(var, (self._dim,))

    def call(self, inputs, training=None, mask=None):
        axis = self._check_input(inputs)
        ndim = len(inputs.shape)
        # The fused kernels are channels-last: another axis is moved last and back.
        perm = tuple(i for i in range(ndim) if i != axis) + (axis,)
        x = inputs if axis == ndim - 1 else ops.transpose(inputs, perm)
        if training and self.trainable:
            if mask is None:
                out, mean, var = _norm.batch_norm_train(x, self.gamma, self.beta,
                                                        self.epsilon)
            else:
                axes = tuple(i for i in range(ndim) if i != axis)
                mean, var = self._masked_moments(inputs, axes, mask)
                out = _norm.batch_norm(x, mean, var, self.gamma, self.beta, self.epsilon)
            if not layer_module._ctx.in_standin:
                _norm.moving_average_update_(self.moving_mean, ops.stop_gradient(mean),
                                             self.momentum)
                _norm.moving_average_update_(self.moving_variance,
                                             ops.stop_gradient(var), self.momentum)
        else:
            out = _norm.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma,
                                   self.beta, self.epsilon)
        if axis == ndim - 1:
            return out
        return ops.transpose(out, tuple(perm.index(i) for i in range(ndim)))

    def compute_output_shape(self, input_shape):
        self._check_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            **gamma_beta_config(self),
            "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "synchronized": self.synchronized, "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        })
        return config
