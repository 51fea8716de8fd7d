"""Activation functions by name (`activations.get("relu")`) and as functions."""

from pyfastfit import ops
from pyfastfit.ops import _nn as _nn


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional slope, cap and threshold.

    Example:

    >>> activations.relu(np.array([-1.0, 2.0]))  # [0., 2.]
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _nn.relu(x)
    x = ops.convert_to_tensor(x, "float32")
    if threshold != 0.0:
        pos = ops.where(ops.greater(x, threshold), x, ops.zeros_like(x))
    else:
        pos = _nn.relu(x)
    if max_value is not None:
        pos = ops.minimum(pos, float(max_value))
    if negative_slope != 0.0:
        neg = ops.multiply(ops.minimum(ops.subtract(x, threshold), 0.0), float(negative_slope))
        pos = ops.add(pos, neg)
    return pos


def leaky_relu(x, negative_slope=0.2):
    """x if x > 0 else negative_slope * x."""
    return _nn.leaky_relu(x, negative_slope)


def relu6(x):
    """min(max(x, 0), 6)."""
    return _nn.relu6(x)


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return _nn.sigmoid(x)


def hard_sigmoid(x):
    """clip(x / 6 + 0.5, 0, 1)."""
    return _nn.hard_sigmoid(x)


def softmax(x, axis=-1):
    """Softmax along `axis`."""
    return _nn.softmax(x, axis)


def log_softmax(x, axis=-1):
    """Log-softmax along `axis`."""
    return _nn.log_softmax(x, axis)


def tanh(x):
    """Hyperbolic tangent."""
    return _nn.tanh(x)


def linear(x):
    """Identity."""
    return ops.convert_to_tensor(x)


def gelu(x, approximate=False):
    """Gaussian error linear unit."""
    return _nn.gelu(x, approximate)


def elu(x, alpha=1.0):
    """Exponential linear unit."""
    return _nn.elu(x, alpha)


def selu(x):
    """Scaled exponential linear unit."""
    return _nn.selu(x)


def softplus(x):
    """log(1 + exp(x))."""
    return _nn.softplus(x)


def softsign(x):
    """x / (1 + |x|)."""
    return _nn.softsign(x)


def silu(x):
    """x * sigmoid(x)."""
    return _nn.silu(x)


swish = silu


def exponential(x):
    """exp(x)."""
    return _nn.exponential(x)


def mish(x):
    """x * tanh(softplus(x))."""
    return ops.multiply(x, _nn.tanh(_nn.softplus(x)))


_ALL = {
    "relu": relu, "leaky_relu": leaky_relu, "relu6": relu6, "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid, "softmax": softmax, "log_softmax": log_softmax,
    "tanh": tanh, "linear": linear, "gelu": gelu, "elu": elu, "selu": selu,
    "softplus": softplus, "softsign": softsign, "silu": silu, "swish": swish,
    "exponential": exponential, "mish": mish,
}
# Activations the fused C++ Dense op applies itself (function -> C++ name).
FUSED = {relu: "relu", sigmoid: "sigmoid", tanh: "tanh", linear: "linear", gelu: "gelu",
         elu: "elu", selu: "selu", softplus: "softplus", softsign: "softsign",
         silu: "swish", exponential: "exponential", relu6: "relu6",
         hard_sigmoid: "hard_sigmoid", softmax: "softmax", log_softmax: "log_softmax"}

# The parameter the fused kernels take as `alpha`, for the activations that have one:
# the activation function's default (elu's alpha is 1.0).
FUSED_ALPHA = {"elu": 1.0}


def serialize(activation):
    """The Keras name of a built-in activation (or the object's config for others)."""
    for name, fn in _ALL.items():
        if fn is activation:
            return "silu" if name == "swish" else name
    if hasattr(activation, "get_config"):
        return {"module": type(activation).__module__, "class_name": type(activation).__name__,
                "config": activation.get_config(), "registered_name": None}
    name = getattr(activation, "__name__", None)
    if name in _ALL:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: not a built-in activation.")


def deserialize(config, custom_objects=None):
    """Activation function from a name or config."""
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
        if isinstance(config, dict):
            config = config.get("name")
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)


def get(identifier):
    """Returns the activation function for a name, a callable, or None (linear).

    Example:

    >>> activations.get("relu") is activations.relu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _ALL.get(identifier)
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: "
                             f"'{identifier}'. Valid names: {sorted(_ALL)}")
        return fn
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}")


__all__ = sorted(_ALL) + ["deserialize", "get", "serialize"]
