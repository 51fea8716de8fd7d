"""Regression losses (keras/src/losses/losses.py, Keras 3): mean squared / absolute /
absolute percentage / squared logarithmic error, Huber, LogCosh (each one fused C++
kernel) and cosine similarity, as snake_case functions returning per-sample losses and
as `Loss` classes."""

from pyfastfit import ops
from pyfastfit.losses._common import _EPSILON, _PointLoss, _pair, _point
from pyfastfit.losses.loss import Loss, LossFunctionWrapper


# ----------------------------------------------------------------------------- functions
def mean_squared_error(y_true, y_pred):
    """Mean squared error over the last axis: `mean(square(y_true - y_pred), axis=-1)`.

    Args:
        y_true: ground truth values, shape `(batch_size, d0, .. dN)`.
        y_pred: predicted values, same shape.

    Returns:
        Per-sample losses of shape `(batch_size, d0, .. dN-1)`.

    Example:

    >>> mean_squared_error([[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    return _point("mean_squared_error", y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Mean absolute error over the last axis: `mean(abs(y_true - y_pred), axis=-1)`."""
    return _point("mean_absolute_error", y_true, y_pred)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(abs((y_true - y_pred) / max(abs(y_true), 1e-7)), axis=-1)`."""
    return _point("mean_absolute_percentage_error", y_true, y_pred)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)`."""
    return _point("mean_squared_logarithmic_error", y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss: quadratic for |error| <= delta, linear beyond; mean over the last axis.

    Args:
        delta: the point where the loss changes from quadratic to linear.
    """
    return _point("huber", y_true, y_pred, float(delta))


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, computed stably."""
    return _point("log_cosh", y_true, y_pred)


def _l2_normalize(x, axis):
    norm = ops.sqrt(ops.sum(ops.square(x), axis=axis, keepdims=True))
    return ops.divide(x, ops.maximum(norm, _EPSILON))


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity `-sum(l2_normalize(y_true) * l2_normalize(y_pred))`
    along `axis` (-1 means opposite directions, 1 means same direction: lower is better).
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_pred = _l2_normalize(y_pred, axis)
    y_true = _l2_normalize(y_true, axis)
    return ops.negative(ops.sum(ops.multiply(y_true, y_pred), axis=axis))


# ------------------------------------------------------------------------------- classes
class MeanSquaredError(_PointLoss):
    """Mean of squares of errors between labels and predictions.

    `loss = mean(square(y_true - y_pred), axis=-1)`, then reduced over the batch.

    Args:
        reduction: see `Loss`. Defaults to `"sum_over_batch_size"`.
        name: defaults to `"mean_squared_error"`.
        dtype: see `Loss`.

    Example:

    >>> keras.losses.MeanSquaredError()([[0.0, 1.0]], [[1.0, 1.0]])
    """

    _point = ("mean_squared_error", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error",
                 dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsoluteError(_PointLoss):
    """Mean of absolute errors: `mean(abs(y_true - y_pred), axis=-1)`, reduced."""

    _point = ("mean_absolute_error", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error",
                 dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)


class MeanAbsolutePercentageError(_PointLoss):
    """`100 * mean(abs((y_true - y_pred) / y_true), axis=-1)`, reduced."""

    _point = ("mean_absolute_percentage_error", 0.0)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)


class MeanSquaredLogarithmicError(_PointLoss):
    """`mean(square(log(y_true + 1) - log(y_pred + 1)), axis=-1)`, reduced."""

    _point = ("mean_squared_logarithmic_error", 0.0)

    def __init__(self, reduction="sum_over_batch_size",
                 name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)


class Huber(_PointLoss):
    """Huber loss: `0.5 * x**2` for |x| <= delta, else `delta * |x| - 0.5 * delta**2`.

    Args:
        delta: where the loss turns linear. Defaults to 1.0.
        reduction, name (default `"huber_loss"`), dtype: see `Loss`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self._point = ("huber", float(delta))

    def get_config(self):
        config = Loss.get_config(self)
        config["delta"] = self._fn_kwargs["delta"]
        return config


class LogCosh(_PointLoss):
    """`mean(log(cosh(y_pred - y_true)), axis=-1)`, reduced."""

    _point = ("log_cosh", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    """Negative cosine similarity between labels and predictions along `axis`.

    Args:
        axis: the axis along which the similarity is computed. Defaults to -1.
        reduction, name (default `"cosine_similarity"`), dtype: see `Loss`.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype,
                         axis=axis)

    def get_config(self):
        config = Loss.get_config(self)
        config["axis"] = self._fn_kwargs["axis"]
        return config
