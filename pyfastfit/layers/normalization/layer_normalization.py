"""LayerNormalization: normalizes each sample over `axis`, then scales and shifts."""

import math
import warnings

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.layers.layer import Layer
from pyfastfit.layers.normalization.gamma_beta import gamma_beta_config
from pyfastfit.ops import _normalization as _norm


class LayerNormalization(Layer):
    """Normalizes each sample over `axis`: `gamma * (x - mean) / sqrt(var + eps) + beta`.

    The statistics are those of one sample (biased variance), so training and inference
    compute the same thing. When `axis` are the trailing axes (the usual `-1`), or with
    `rms_scaling`, forward and backward are each one fused C++ op; other axes use
    composed ops.

    Args:
        axis: int or list of ints, the axes normalized (and the shape of `gamma`/`beta`).
            Defaults to `-1`.
        epsilon: small float added to the variance. Defaults to `1e-3`.
        center: add the offset `beta`. Defaults to `True`.
        scale: multiply by `gamma`. Defaults to `True`.
        beta_initializer, gamma_initializer: defaults `"zeros"` and `"ones"`.
        beta_regularizer, gamma_regularizer: optional penalties.
        beta_constraint, gamma_constraint: optional constraints.
        rms_scaling: deprecated in Keras 3 and kept with its exact meaning: no centering,
            `x * gamma / sqrt(var + eps)` (it divides by the variance, not the RMS).

    Weights, in order: `gamma`, `beta`.

    Example:

    >>> keras.layers.LayerNormalization()(np.arange(6.0).reshape(2, 3)).shape
    (2, 3)
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 **kwargs):
        rms_scaling = kwargs.pop("rms_scaling", False)
        if rms_scaling:
            warnings.warn("You passed `rms_scaling=True`, which is deprecated. This "
                          "argument incorrectly scales the input by the variance, not "
                          "the root mean square.", stacklevel=2)
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            axis = list(axis)
            bad = [a for a in axis if isinstance(a, bool) or not isinstance(a, int)]
        else:
            bad = [axis] if isinstance(axis, bool) or not isinstance(axis, int) else []
        if bad:
            raise TypeError("Expected an int or a list/tuple of ints for the argument "
                            f"'axis', but received: {axis!r}")
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be positive. Received: epsilon={epsilon}")
        self.axis = axis
        self.epsilon = epsilon
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def _axes(self, input_shape):
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"Axis {a} is out of bounds for input shape "
                                 f"{tuple(input_shape)}. Received: axis={self.axis}")
        norm = sorted({a % ndim for a in axes})
        if len(norm) != len(axes):
            raise ValueError(f"Duplicate axis in `axis`. Received: axis={self.axis}")
        return norm

    def build(self, input_shape):
        axes = self._axes(input_shape)
        if any(input_shape[a] is None for a in axes):
            raise ValueError("The normalized axes of the input to LayerNormalization must "
                             f"be defined. Received: axis={self.axis}, input shape "
                             f"{tuple(input_shape)}")
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        shape = tuple(input_shape[a] for a in axes)
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight(shape=shape, name="gamma",
                                         initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight(shape=shape, name="beta",
                                        initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self._ndim = len(input_shape)
        self._shape = shape
        self.built = True

    def call(self, inputs):
        shape = tuple(inputs.shape)
        if len(shape) != self._ndim:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the '
                             f"layer: expected ndim={self._ndim}, found ndim={len(shape)}. "
                             f"Full shape received: {shape}")
        axes = self._axes(shape)
        if tuple(shape[a] for a in axes) != self._shape:
            raise ValueError(f"LayerNormalization was built for normalized dims "
                             f"{self._shape} but received an input of shape {shape}")
        if self.rms_scaling or axes == list(range(len(shape) - len(axes), len(shape))):
            # One fused C++ op over (rows, prod(normalized dims)), the normalized axes
            # moved last first if need be (rms_scaling: always, so that the fast path's
            # node, between the same moves, gives the same bits).
            c = math.prod(self._shape)
            gamma, beta = (None if w is None else ops.reshape(w, (c,))
                           for w in (self.gamma, self.beta))
            if self.rms_scaling:
                return _norm.over_trailing(
                    inputs, axes, lambda x: _norm.layer_norm_rms(x, gamma, self.epsilon))
            return _norm.over_trailing(
                inputs, axes, lambda x: _norm.layer_norm(x, gamma, beta, self.epsilon))
        bshape = tuple(d if i in axes else 1 for i, d in enumerate(shape))
        mean = ops.mean(inputs, axis=tuple(axes), keepdims=True)
        centered = ops.subtract(inputs, mean)
        var = ops.mean(ops.square(centered), axis=tuple(axes), keepdims=True)
        out = ops.multiply(centered, ops.rsqrt(ops.add(var, self.epsilon)))
        if self.gamma is not None:
            out = ops.multiply(out, ops.reshape(self.gamma, bshape))
        if self.beta is not None:
            out = ops.add(out, ops.reshape(self.beta, bshape))
        return out

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update({
            **gamma_beta_config(self),
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": self.rms_scaling,
        })
        return config
