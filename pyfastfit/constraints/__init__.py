"""Weight constraints: functions applied to a variable after each optimizer update
(`MaxNorm`, `MinMaxNorm`, `NonNeg`, `UnitNorm`, and `get("max_norm")`)."""

from pyfastfit import ops
from pyfastfit.utils import registry

_EPSILON = 1e-7  # Keras's backend.epsilon()


class Constraint:
    """Base class: `constraint(w)` returns the projected value of the weight `w`.

    Example:

    ```python
    class NonNegSum(keras.constraints.Constraint):
        def __call__(self, w):
            return w * keras.ops.cast(keras.ops.sum(w) >= 0, w.dtype)
    ```
    """

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _norms(w, axis):
    return ops.sqrt(ops.sum(ops.square(w), axis=axis, keepdims=True))


class MaxNorm(Constraint):
    """Scales the weights incident to each unit so that their norm (over `axis`) is at
    most `max_value`.

    Args:
        max_value: the largest norm allowed.
        axis: the axis (or axes) the norms are taken over; 0 for a Dense kernel
            `(input_dim, units)` constrains each unit's incoming weights.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.clip(norms, 0, self.max_value)
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets the negative weights to zero."""

    def __call__(self, w):
        return ops.multiply(w, ops.cast(ops.greater_equal(w, 0.0), w.dtype))


class UnitNorm(Constraint):
    """Scales the weights incident to each unit to unit norm (over `axis`)."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return ops.divide(w, ops.add(_norms(w, self.axis), _EPSILON))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each unit's weight norm (over `axis`) into `[min_value, max_value]`:
    `rate=1.0` enforces the bounds, a smaller rate moves only part of the way."""

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = ops.add(ops.multiply(self.rate, ops.clip(norms, self.min_value,
                                                          self.max_value)),
                          ops.multiply(1 - self.rate, norms))
        return ops.multiply(w, ops.divide(desired, ops.add(norms, _EPSILON)))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value,
                "rate": self.rate, "axis": self.axis}


max_norm, non_neg, unit_norm, min_max_norm = MaxNorm, NonNeg, UnitNorm, MinMaxNorm
_NAMES = {"max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
          "min_max_norm": MinMaxNorm, "MaxNorm": MaxNorm, "NonNeg": NonNeg,
          "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm}


_REGISTRY = registry.NameRegistry("constraint", "keras.constraints", _NAMES, Constraint)


def serialize(constraint):
    """Keras 3 config dict of a constraint."""
    return _REGISTRY.serialize(constraint)


def deserialize(config, custom_objects=None):
    """Constraint from `serialize`'s dict."""
    return _REGISTRY.deserialize(config, custom_objects)


def get(identifier):
    """Constraint from a name ("max_norm", "non_neg", "unit_norm", "min_max_norm"),
    config dict, class, instance, callable or None (a `Constraint` class is
    instantiated, as Keras)."""
    return _REGISTRY.get(identifier)


__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize",
           "get", "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm"]
