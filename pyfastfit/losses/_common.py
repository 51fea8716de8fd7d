"""Pieces shared by the built-in loss families (regression, probabilistic, hinge): the
(y_true, y_pred) preparation helpers and `_PointLoss`, the class of the losses that run
as one fused C++ kernel."""

from pyfastfit.losses.loss import (
    Loss, LossFunctionWrapper, _float_tensor, point_pair, squeeze_or_expand_to_same_rank,
)
from pyfastfit.ops import _losses as loss_ops

_EPSILON = 1e-7


def _pair(y_true, y_pred):
    y_pred = _float_tensor(y_pred)
    y_true = _float_tensor(y_true)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def _point(name, y_true, y_pred, param=0.0):
    return loss_ops.point_loss(name, *point_pair(y_true, y_pred, name), param)


class _PointLoss(LossFunctionWrapper):
    """A fused point loss: `__call__` runs the loss and its reduction as one kernel."""

    def get_config(self):
        return Loss.get_config(self)
