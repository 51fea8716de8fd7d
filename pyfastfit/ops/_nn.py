"""Neural-network ops: activations and the fused Dense op (`keras.ops.nn` style)."""

from pyfastfit.autodiff.tape import _state, needs_grad, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def _float(x):
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    return x


def activation(x, name, alpha=0.0):
    """Applies the activation `name` ("relu", "gelu", ...) elementwise (softmax and
    log_softmax over the last axis)."""
    x = _float(x)
    out = wrap(_C.activation_forward(x._c, name, alpha))
    if _state.tapes:
        record("activation", (x,), out, (x._c, out._c), (name, alpha))
    return out


def dense(x, kernel, bias=None, activation="linear", alpha=0.0):
    """Fused `activation(x @ kernel + bias)`: one C++ call forward, one backward.

    Args:
        x: inputs of shape `(..., input_dim)`.
        kernel: `(input_dim, units)`.
        bias: `(units,)` or None.
        activation: activation name. Defaults to `"linear"`.
        alpha: slope for leaky_relu / alpha for elu.

    Example:

    >>> ops.nn.dense(np.ones((2, 3)), np.ones((3, 4)), np.zeros(4), "relu").shape
    (2, 4)
    """
    if not isinstance(x, Tensor) or x.dtype != "float32":
        x = _float(x)
    if not isinstance(kernel, Tensor):
        kernel = convert_to_tensor(kernel)
    if bias is not None and not isinstance(bias, Tensor):
        bias = convert_to_tensor(bias)
    out_c, z_c = _C.dense_forward(x._c, kernel._c, None if bias is None else bias._c,
                                  activation, alpha)
    out = wrap(out_c)
    if _state.tapes:
        has_bias = bias is not None
        inputs = (x, kernel, bias) if has_bias else (x, kernel)
        record("dense", inputs, out, (x._c, kernel._c, z_c, out_c),
               (activation, alpha, needs_grad(x), has_bias))
    return out


def relu(x):
    """max(x, 0)."""
    return activation(x, "relu")


def relu6(x):
    """min(max(x, 0), 6)."""
    return activation(x, "relu6")


def sigmoid(x):
    """1 / (1 + exp(-x))."""
    return activation(x, "sigmoid")


def hard_sigmoid(x):
    """clip(x / 6 + 0.5, 0, 1), as Keras 3."""
    return activation(x, "hard_sigmoid")


def tanh(x):
    """Hyperbolic tangent."""
    return activation(x, "tanh")


def gelu(x, approximate=True):
    """Gaussian error linear unit: the tanh approximation by default (as `keras.ops.gelu`),
    the exact erf form with `approximate=False` (the default of `keras.activations.gelu`)."""
    return activation(x, "gelu_approximate" if approximate else "gelu")


def elu(x, alpha=1.0):
    """x if x > 0 else alpha * (exp(x) - 1)."""
    return activation(x, "elu", alpha)


def selu(x):
    """Scaled ELU with the constants of Klambauer et al. (2017)."""
    return activation(x, "selu")


def softplus(x):
    """log(1 + exp(x))."""
    return activation(x, "softplus")


def softsign(x):
    """x / (1 + |x|)."""
    return activation(x, "softsign")


def silu(x):
    """x * sigmoid(x) (a.k.a. swish)."""
    return activation(x, "swish")


swish = silu


def leaky_relu(x, negative_slope=0.2):
    """x if x > 0 else negative_slope * x."""
    return activation(x, "leaky_relu", negative_slope)


def exponential(x):
    """exp(x) as an activation."""
    return activation(x, "exponential")


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed stably."""
    from pyfastfit.ops import _math as math_ops

    return math_ops.negative(softplus(math_ops.negative(_float(x))))


def hard_silu(x):
    """x * hard_sigmoid(x) (a.k.a. hard_swish)."""
    from pyfastfit.ops import _math as math_ops

    x = _float(x)
    return math_ops.multiply(x, hard_sigmoid(x))


hard_swish = hard_silu


def _along_last(fn, x, axis):
    """Applies a last-axis kernel along `axis` (an int or a tuple of axes, as Keras)."""
    from pyfastfit.ops import _shape as shape_ops

    x = _float(x)
    nd = x.ndim
    if nd == 0:
        if axis not in (0, -1):
            # Normalized against rank 1 so the message names the bad value and the rank.
            shape_ops._norm_axis(axis if axis is not None else 1, 0)
        return fn(x)
    if axis is None:
        axis = tuple(range(nd))
    axes = shape_ops._norm_axes(axis, nd)
    if len(axes) == 1 and axes[0] == nd - 1:
        return fn(x)
    keep = [i for i in range(nd) if i not in axes]
    perm = keep + axes
    y = shape_ops.transpose(x, perm) if perm != list(range(nd)) else x
    moved = y.shape
    if len(axes) > 1:
        y = shape_ops.reshape(y, moved[:len(keep)] + (-1,))
    y = fn(y)
    if len(axes) > 1:
        y = shape_ops.reshape(y, moved)
    if perm == list(range(nd)):
        return y
    inv = [0] * nd
    for i, p in enumerate(perm):
        inv[p] = i
    return shape_ops.transpose(y, inv)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (an int or a tuple of axes; numerically stable).

    Example:

    >>> ops.softmax([[1.0, 1.0], [0.0, 0.0]], axis=0).numpy()
    array([[0.7310586, 0.7310586],
           [0.2689414, 0.2689414]], dtype=float32)
    """
    return _along_last(lambda t: activation(t, "softmax"), x, axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis` (an int or a tuple of axes)."""
    return _along_last(lambda t: activation(t, "log_softmax"), x, axis)


__all__ = [
    "activation", "dense", "elu", "exponential", "gelu", "hard_sigmoid", "hard_silu",
    "hard_swish", "leaky_relu", "log_sigmoid",
    "log_softmax", "relu", "relu6", "selu", "sigmoid", "silu", "softmax", "softplus",
    "softsign", "swish", "tanh",
]
