"""Weight regularizers: L1, L2, L1L2 (and `get("l2")`)."""

from pyfastfit import ops
from pyfastfit.utils import registry


def _check(value, name):
    value = float(value)
    if value < 0 or value != value:
        raise ValueError(f"Value for `{name}` must be a non-negative number. "
                         f"Received: {name}={value}")
    return value


class Regularizer:
    """Base class: `reg(x)` returns a scalar penalty added to the model's losses."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """Penalty `l1 * sum(|x|) + l2 * sum(x**2)`.

    Example:

    >>> regularizers.L1L2(l1=0.01, l2=0.01)(np.ones((2, 2)))  # 0.08
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _check(l1, "l1")
        self.l2 = _check(l2, "l2")

    def __call__(self, x):
        out = None
        if self.l1:
            out = ops.multiply(ops.sum(ops.abs(x)), self.l1)
        if self.l2:
            p = ops.multiply(ops.sum(ops.square(x)), self.l2)
            out = p if out is None else ops.add(out, p)
        return out if out is not None else ops.convert_to_tensor(0.0)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    """Penalty `l1 * sum(|x|)`."""

    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    """Penalty `l2 * sum(x**2)`."""

    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
_NAMES = {"l1": L1, "l2": L2, "l1_l2": L1L2, "L1": L1, "L2": L2, "L1L2": L1L2}


_REGISTRY = registry.NameRegistry("regularizer", "keras.regularizers", _NAMES, Regularizer,
                                  valid=["l1", "l1_l2", "l2"])


def serialize(regularizer):
    """Keras 3 config dict of a regularizer."""
    return _REGISTRY.serialize(regularizer)


def deserialize(config, custom_objects=None):
    """Regularizer from `serialize`'s dict."""
    return _REGISTRY.deserialize(config, custom_objects)


def get(identifier):
    """Regularizer from a name ("l1", "l2", "l1_l2"), config dict, class, instance or
    None (a `Regularizer` class is instantiated, as Keras)."""
    return _REGISTRY.get(identifier)


__all__ = ["L1", "L1L2", "L2", "Regularizer", "deserialize", "get", "l1", "l1_l2", "l2",
           "serialize"]
