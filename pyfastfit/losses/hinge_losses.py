"""Hinge losses (keras/src/losses/losses.py, Keras 3): hinge and squared hinge (each one
fused C++ kernel) and categorical hinge, as snake_case functions returning per-sample
losses and as `Loss` classes."""

from pyfastfit import ops
from pyfastfit.losses._common import _PointLoss, _pair, _point
from pyfastfit.losses.loss import Loss, LossFunctionWrapper


# ----------------------------------------------------------------------------- functions
def hinge(y_true, y_pred):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; {0, 1} labels become {-1, 1}."""
    return _point("hinge", y_true, y_pred)


def squared_hinge(y_true, y_pred):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`; {0, 1} labels become
    {-1, 1}."""
    return _point("squared_hinge", y_true, y_pred)


def categorical_hinge(y_true, y_pred):
    """`maximum(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)` per sample."""
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


# ------------------------------------------------------------------------------- classes
class Hinge(_PointLoss):
    """`mean(maximum(1 - y_true * y_pred, 0), axis=-1)`; labels in {-1, 1} (or {0, 1})."""

    _point = ("hinge", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)


class SquaredHinge(_PointLoss):
    """`mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)`."""

    _point = ("squared_hinge", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)


class CategoricalHinge(LossFunctionWrapper):
    """`maximum(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)`,
    `neg = max((1 - y_true) * y_pred)`."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge",
                 dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)
