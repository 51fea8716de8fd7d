"""Fused normalization ops over the C++ kernels: batch normalization (training with the
batch's own statistics, or given statistics), channel statistics (`moments` over the
leading axes), moving averages, layer normalization over the last axis (rms_scaling
too), group normalization of channels-last tensors and unit normalization over the last
axis. The layers' fast-path nodes call the same C++ kernels.

Every op here takes channels-last tensors: the last axis holds the features. The public
`keras.ops` functions (`batch_normalization`, `moments`, `layer_normalization`) move or
flatten axes at their edges and fall back to composed ops where that does not map.
"""

from pyfastfit.autodiff.tape import _state, needs_grad, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor


def _float(x):
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    return x if x.dtype == "float32" else convert_to_tensor(x, "float32")


def _c(x):
    return None if x is None else x._c


def _record_batch_norm(x, y, stats, gamma, beta, epsilon, batch_stats, saved):
    """Records "batch_norm": inputs x, then mean and var unless batch_stats, then gamma
    and beta when given; `saved` is (x, mean, var, gamma) as `_C` tensors."""
    inputs = (x,) if batch_stats else (x,) + stats
    inputs += tuple(t for t in (gamma, beta) if t is not None)
    need = tuple(needs_grad(t) for t in inputs)
    record("batch_norm", inputs, y, saved,
           (float(epsilon), batch_stats, gamma is not None, beta is not None, need))


def batch_norm_train(x, gamma=None, beta=None, epsilon=1e-3):
    """Batch normalization of channels-last `x` by its own statistics.

    Returns `(y, mean, variance)`; the gradient of `y` flows through the statistics,
    while `mean` and `variance` (each `(C,)`, the biased variance) carry none.
    """
    x = _float(x)
    gamma = None if gamma is None else _float(gamma)
    beta = None if beta is None else _float(beta)
    y_c, mean_c, var_c = _C.batch_norm_train_forward(x._c, _c(gamma), _c(beta),
                                                     float(epsilon))
    y = wrap(y_c)
    if _state.tapes:
        _record_batch_norm(x, y, (), gamma, beta, epsilon, True,
                           (x._c, mean_c, var_c, _c(gamma)))
    return y, wrap(mean_c), wrap(var_c)


def batch_norm(x, mean, variance, gamma=None, beta=None, epsilon=1e-3):
    """`(x - mean) / sqrt(variance + epsilon) * gamma + beta` for channels-last `x` and
    `(C,)` vectors; differentiable in every tensor argument."""
    x, mean, variance = _float(x), _float(mean), _float(variance)
    gamma = None if gamma is None else _float(gamma)
    beta = None if beta is None else _float(beta)
    y = wrap(_C.batch_norm_forward(x._c, mean._c, variance._c, _c(gamma), _c(beta),
                                   float(epsilon)))
    if _state.tapes:
        _record_batch_norm(x, y, (mean, variance), gamma, beta, epsilon, False,
                           (x._c, mean._c, variance._c, _c(gamma)))
    return y


def channel_moments(x):
    """`(mean, variance)` of channels-last `x` over every axis but the last, each `(C,)`
    (biased variance); differentiable."""
    x = _float(x)
    mean_c, var_c = _C.batch_norm_statistics(x._c)
    mean, var = wrap(mean_c), wrap(var_c)
    if _state.tapes:
        record("batch_norm_statistics", (x,), (mean, var), (x._c, mean_c))
    return mean, var


def moving_average_update_(variable, value, momentum):
    """`variable = variable * momentum + value * (1 - momentum)` in place (a `(C,)`
    float32 Variable); no gradient is recorded."""
    _C.moving_average_update_(variable._c, _float(value)._c, float(momentum))


def layer_norm(x, gamma=None, beta=None, epsilon=1e-3):
    """Normalizes each row of `x` over its last axis, then `* gamma + beta` (`(C,)`
    vectors or None); differentiable."""
    x = _float(x)
    gamma = None if gamma is None else _float(gamma)
    beta = None if beta is None else _float(beta)
    y_c, mean_c, inv_c = _C.layer_norm_forward(x._c, _c(gamma), _c(beta), float(epsilon))
    y = wrap(y_c)
    if _state.tapes:
        inputs = (x,) + tuple(t for t in (gamma, beta) if t is not None)
        record("layer_norm", inputs, y, (x._c, mean_c, inv_c, _c(gamma)),
               (gamma is not None, beta is not None, tuple(needs_grad(t) for t in inputs)))
    return y


def layer_norm_rms(x, gamma=None, epsilon=1e-3):
    """LayerNormalization(rms_scaling=True) of each row of `x` over its last axis:
    `x * gamma / sqrt(var + epsilon)` (Keras's deprecated meaning: no centering, the
    variance, not the mean square); differentiable."""
    x = _float(x)
    gamma = None if gamma is None else _float(gamma)
    y_c, mean_c, inv_c = _C.layer_norm_rms_forward(x._c, _c(gamma), float(epsilon))
    y = wrap(y_c)
    if _state.tapes:
        inputs = (x,) if gamma is None else (x, gamma)
        record("layer_norm_rms", inputs, y, (x._c, mean_c, inv_c, _c(gamma)),
               tuple(needs_grad(t) for t in inputs))
    return y


def unit_norm(x):
    """Each row of `x` over its last axis divided by its L2 norm (at least 1e-6, as
    `x * rsqrt(max(sum(x**2), 1e-12))`); differentiable."""
    x = _float(x)
    y_c, sq_c = _C.unit_norm_forward(x._c)
    y = wrap(y_c)
    if _state.tapes:
        record("unit_norm", (x,), y, (x._c, sq_c))
    return y


def group_norm(x, groups, gamma=None, beta=None, epsilon=1e-3):
    """GroupNormalization of channels-last `x` (batch, ..., C): each sample's channels
    split into `groups` groups, each normalized over its values at every position, then
    `* gamma + beta` (`(C,)` vectors or None); differentiable."""
    x = _float(x)
    gamma = None if gamma is None else _float(gamma)
    beta = None if beta is None else _float(beta)
    y_c, mean_c, inv_c = _C.group_norm_forward(x._c, _c(gamma), _c(beta), int(groups),
                                               float(epsilon))
    y = wrap(y_c)
    if _state.tapes:
        inputs = (x,) + tuple(t for t in (gamma, beta) if t is not None)
        record("group_norm", inputs, y, (x._c, mean_c, inv_c, _c(gamma)),
               (int(groups), gamma is not None, beta is not None,
                tuple(needs_grad(t) for t in inputs)))
    return y


def over_trailing(x, axes, fn):
    """`fn` applied to `x` viewed as (rows, features): the sorted non-batch `axes` moved
    last (in order) and flattened, every other axis a row; the result is moved back to
    `x`'s layout. The fast path runs the same moves as permute nodes, so both paths
    compute the same bits."""
    rank = x.ndim
    rest = [i for i in range(rank) if i not in axes]
    perm = rest + list(axes)
    moved = perm != list(range(rank))
    if moved:
        x = s.transpose(x, tuple(perm))
    shape = tuple(x.shape)
    feat = _size(shape[len(rest):])
    y = s.reshape(fn(s.reshape(x, (-1, feat))), shape)
    if not moved:
        return y
    inverse = sorted(range(rank), key=perm.__getitem__)
    return s.transpose(y, tuple(inverse))


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def leading_moments(x, axes, keepdims):
    """`moments` over `axes` by the fused kernel when they are the leading axes of `x`
    (x viewed as (rows, features)); None when they are not."""
    ax = s._norm_axes(axes, x.ndim)
    k = len(ax)
    feat = tuple(x.shape[k:])
    if ax != list(range(k)) or _size(feat) == 0:
        return None
    mean, var = channel_moments(s.reshape(x, (_size(x.shape[:k]), _size(feat))))
    shape = (1,) * k + feat if keepdims else feat
    return s.reshape(mean, shape), s.reshape(var, shape)


def trailing_layer_norm(x, gamma, beta, axes, epsilon):
    """Layer normalization over `axes` by the fused kernel when they are the trailing
    axes of `x` and gamma/beta (when given) have their shape; None otherwise."""
    ax = s._norm_axes(axes, x.ndim)
    k = x.ndim - len(ax)
    feat = tuple(x.shape[k:])
    if ax != list(range(k, x.ndim)) or _size(feat) == 0:
        return None
    params = [None if t is None else _float(t) for t in (gamma, beta)]
    if any(t is not None and tuple(t.shape) != feat for t in params):
        return None
    c = _size(feat)
    gamma, beta = (None if t is None else s.reshape(t, (c,)) for t in params)
    y = layer_norm(s.reshape(x, (_size(x.shape[:k]), c)), gamma, beta, epsilon)
    return s.reshape(y, tuple(x.shape))


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """Normalizes `x` by `mean` and `variance` along `axis`.

    `(x - mean) / sqrt(variance + epsilon) * scale + offset`, one fused C++ op forward
    and one backward (differentiable in every tensor argument).

    Args:
        x: input tensor.
        mean: vector with one entry per index of `axis` of `x`.
        variance: vector with one entry per index of `axis` of `x`.
        axis: int, the axis of the features.
        offset: optional vector added to the normalized tensor. Defaults to `None`.
        scale: optional vector multiplying the normalized tensor. Defaults to `None`.
        epsilon: small float added to the variance. Defaults to `1e-3`.

    Returns:
        The normalized tensor, of `x`'s shape.

    Example:

    >>> x = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
    >>> ops.batch_normalization(x, [0.4, 0.5, 0.6], [0.67] * 3, axis=-1).shape
    (3, 3)
    """
    x = _float(x)
    if x.ndim == 0:
        raise ValueError(f"`x` must have at least one axis. Received: x.shape={x.shape}")
    a = s._norm_axis(axis, x.ndim)
    c = x.shape[a]
    vectors = []
    for name, t in (("mean", mean), ("variance", variance), ("scale", scale),
                    ("offset", offset)):
        if t is not None:
            t = _float(t)
            if _size(t.shape) != c:
                raise ValueError(f"`{name}` must be a vector of length {c} (the size of "
                                 f"axis {axis} of `x`). Received: x.shape={x.shape}, "
                                 f"{name}.shape={t.shape}")
            if tuple(t.shape) != (c,):
                t = s.reshape(t, (c,))
        vectors.append(t)
    mean, variance, scale, offset = vectors
    last = a == x.ndim - 1
    if not last:
        perm = tuple(i for i in range(x.ndim) if i != a) + (a,)
        x = s.transpose(x, perm)
    y = batch_norm(x, mean, variance, scale, offset, epsilon)
    if last:
        return y
    inverse = [0] * len(perm)
    for i, p in enumerate(perm):
        inverse[p] = i
    return s.transpose(y, tuple(inverse))
