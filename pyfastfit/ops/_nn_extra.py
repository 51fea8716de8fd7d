"""More `keras.ops.nn` ops, composed from the differentiable kernels: shrink/threshold
activations, GLU, moments, normalizations, multi_hot, PSNR; and `keras.ops` math's
`erfc` and `in_top_k`.
"""

import math as _pymath

from pyfastfit.core import Tensor
from pyfastfit.ops import _math as m
from pyfastfit.ops import _reduce as r
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor


def _f(x):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    return x if x.dtype == "float32" else convert_to_tensor(x, "float32")


def _epsilon(epsilon):
    if epsilon is not None:
        return float(epsilon)
    from pyfastfit.config import epsilon as default  # config sits above ops: read lazily

    return float(default())


def celu(x, alpha=1.0):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    x = _f(x)
    alpha = float(alpha)
    return m.add(m.maximum(x, 0.0), m.minimum(m.multiply(m.expm1(m.divide(x, alpha)), alpha),
                                              0.0))


def glu(x, axis=-1):
    """Gated linear unit: the first half of `axis` times sigmoid of the second half."""
    from pyfastfit.ops._nn import sigmoid

    x = _f(x)
    axis = s._norm_axis(axis, x.ndim)
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of `axis` must be even. Received: axis={axis}, "
                         f"x.shape={x.shape}")
    a, b = s.split(x, 2, axis=axis)
    return m.multiply(a, sigmoid(b))


def hard_tanh(x):
    """clip(x, -1, 1)."""
    return m.clip(_f(x), -1.0, 1.0)


def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    x = _f(x)
    return m.where(m.greater(m.abs(x), float(threshold)), x, 0.0)


def soft_shrink(x, threshold=0.5):
    """x - threshold above it, x + threshold below -threshold, else 0."""
    x = _f(x)
    t = float(threshold)
    return m.where(m.greater(x, t), m.subtract(x, t),
                   m.where(m.less(x, -t), m.add(x, t), 0.0))


def tanh_shrink(x):
    """x - tanh(x)."""
    x = _f(x)
    return m.subtract(x, m.tanh(x))


def sparse_plus(x):
    """0 for x <= -1, x for x >= 1, (x + 1)^2 / 4 between."""
    x = _f(x)
    mid = m.multiply(m.square(m.add(x, 1.0)), 0.25)
    return m.where(m.less_equal(x, -1.0), 0.0, m.where(m.greater_equal(x, 1.0), x, mid))


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2."""
    x = _f(x)
    return m.multiply(m.add(x, m.sqrt(m.add(m.square(x), float(b)))), 0.5)


def threshold(x, threshold, default_value):
    """x where x > threshold, else `default_value`."""
    x = _f(x)
    return m.where(m.greater(x, float(threshold)), x, float(default_value))


def sparse_sigmoid(x):
    """0 for x <= -1, 1 for x >= 1, (x + 1) / 2 between."""
    return m.multiply(m.add(m.clip(_f(x), -1.0, 1.0), 1.0), 0.5)


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of `x` over `axes` (one fused C++ op when `axes` are the leading
    axes of `x`, as BatchNormalization's are)."""
    from pyfastfit.ops._normalization import leading_moments

    x = _f(x)
    fused = leading_moments(x, axes, keepdims)
    if fused is not None:
        return fused
    mean = r.mean(x, axis=axes, keepdims=True)
    var = r.mean(m.square(m.subtract(x, mean)), axis=axes, keepdims=keepdims)
    if not keepdims:
        mean = s.squeeze(mean, axis=tuple(s._norm_axes(axes, x.ndim)))
    return mean, var


def normalize(x, axis=-1, order=2, epsilon=None):
    """x divided by its `order`-norm along `axis` (at least `epsilon`)."""
    from pyfastfit.ops._norm import norm

    x = _f(x)
    n = norm(x, ord=order, axis=axis, keepdims=True)
    return m.divide(x, m.maximum(n, _epsilon(epsilon)))


def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2, axis) + epsilon), times `scale` when given."""
    x = _f(x)
    ms = r.mean(m.square(x), axis=axis, keepdims=True)
    out = m.multiply(x, m.rsqrt(m.add(ms, _epsilon(epsilon))))
    return out if scale is None else m.multiply(out, _f(scale))


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """(x - mean) / sqrt(var + epsilon) over `axis`, then `* gamma + beta` (one fused C++
    op when `axis` are the trailing axes and gamma/beta have their shape)."""
    from pyfastfit.ops._normalization import trailing_layer_norm

    if kwargs.get("rms_scaling"):
        return rms_normalization(x, gamma, axis, epsilon)
    x = _f(x)
    fused = trailing_layer_norm(x, gamma, beta, axis, _epsilon(epsilon))
    if fused is not None:
        return fused
    mean, var = moments(x, axis, keepdims=True)
    out = m.multiply(m.subtract(x, mean), m.rsqrt(m.add(var, _epsilon(epsilon))))
    if gamma is not None:
        out = m.multiply(out, _f(gamma))
    if beta is not None:
        out = m.add(out, _f(beta))
    return out


def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Encodes each row of integer class ids as one vector with 1 at each id."""
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if num_classes is None:
        raise ValueError("multi_hot: `num_classes` is required. Received: num_classes=None")
    x = inputs if isinstance(inputs, Tensor) else convert_to_tensor(inputs)
    hot = s.one_hot(s.cast(x, "int32"), num_classes, axis=axis, dtype=dtype or "float32")
    return r.max(hot, axis=1 if x.ndim > 1 else 0)


def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mse)."""
    x1, x2 = _f(x1), _f(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape. "
                         f"Received: x1.shape={x1.shape}, x2.shape={x2.shape}")
    mse = r.mean(m.square(m.subtract(x1, x2)))
    return m.subtract(20.0 * _pymath.log10(float(max_val)), m.multiply(m.log10(mse), 10.0))


def erfc(x):
    """1 - erf(x)."""
    return m.subtract(1.0, m.erf(_f(x)))


def in_top_k(targets, predictions, k):
    """True where the target's prediction is among the `k` largest of its row (ties
    count as in, as Keras)."""
    p = _f(predictions)
    t = s.cast(targets, "int32")
    if p.ndim != 2 or t.ndim != 1 or t.shape[0] != p.shape[0]:
        raise ValueError(f"in_top_k: expected predictions (batch, classes) and targets "
                         f"(batch,). Received: predictions.shape={p.shape}, "
                         f"targets.shape={t.shape}")
    target_p = s.take_along_axis(p, s.expand_dims(t, 1), axis=1)
    above = r.sum(s.cast(m.greater(p, target_p), "int32"), axis=1)
    return m.less(above, int(k))


def _blocks_layout(x, block_size, data_format, op):
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: `x` must be 4-D. Received: x.shape={x.shape}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    b = int(block_size)
    if b < 2:
        raise ValueError(f"{op}: `block_size` must be at least 2. Received: block_size={b}")
    if data_format == "channels_first":
        x = s.transpose(x, (0, 2, 3, 1))
    return x, b


def depth_to_space(x, block_size, data_format="channels_last"):
    """Moves blocks of channels into `block_size` x `block_size` spatial blocks (the
    inverse of `space_to_depth`; TensorFlow's DCR order)."""
    x, b = _blocks_layout(x, block_size, data_format, "depth_to_space")
    n, h, w, c = x.shape
    if c % (b * b):
        raise ValueError(f"depth_to_space: channels ({c}) must be divisible by "
                         f"block_size**2 ({b * b}). Received: x.shape={x.shape}")
    c_out = c // (b * b)
    y = s.reshape(s.transpose(s.reshape(x, (n, h, w, b, b, c_out)), (0, 1, 3, 2, 4, 5)),
                  (n, h * b, w * b, c_out))
    return s.transpose(y, (0, 3, 1, 2)) if data_format == "channels_first" else y


def space_to_depth(x, block_size, data_format="channels_last"):
    """Moves `block_size` x `block_size` spatial blocks into channels."""
    x, b = _blocks_layout(x, block_size, data_format, "space_to_depth")
    n, h, w, c = x.shape
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height and width must be divisible by "
                         f"block_size ({b}). Received: x.shape={x.shape}")
    y = s.reshape(s.transpose(s.reshape(x, (n, h // b, b, w // b, b, c)), (0, 1, 3, 2, 4, 5)),
                  (n, h // b, w // b, b * b * c))
    return s.transpose(y, (0, 3, 1, 2)) if data_format == "channels_first" else y


def cdist(x, y):
    """Euclidean distances between the rows of `x` (..., P, M) and of `y` (..., R, M)."""
    a, b = _f(x), _f(y)
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-1]:
        raise ValueError(f"cdist: `x` and `y` must be (..., P, M) and (..., R, M). "
                         f"Received: x.shape={a.shape}, y.shape={b.shape}")
    d = m.subtract(s.expand_dims(a, -2), s.expand_dims(b, -3))
    return m.sqrt(r.sum(m.square(d), axis=-1))


__all__ = [
    "cdist", "depth_to_space", "space_to_depth",
    "celu", "erfc", "glu", "hard_shrink", "hard_tanh", "in_top_k", "layer_normalization",
    "moments", "multi_hot", "normalize", "psnr", "rms_normalization", "soft_shrink",
    "sparse_plus", "sparse_sigmoid", "squareplus", "tanh_shrink", "threshold",
]
