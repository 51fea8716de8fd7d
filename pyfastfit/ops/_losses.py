"""Fused loss ops: point losses (per-sample mean over the last axis of an elementwise
f(y_true, y_pred)) and the weighted loss reduction, each one C++ call forward and one
backward. Gradients flow to `y_pred` (and to `values`); targets and weights are constants.

Point loss names: "mean_squared_error", "mean_absolute_error",
"mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber" (param =
delta), "log_cosh", "hinge", "squared_hinge", "poisson".
"""

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, to_c, wrap
from pyfastfit.core._c import _C


def _f32(x):
    if isinstance(x, Tensor) and x.dtype == "float32":
        return x
    return wrap(to_c(x, "float32"))


def point_loss(name, y_true, y_pred, param=0.0):
    """Per-sample loss `mean(f(y_true, y_pred), axis=-1)` in one fused kernel.

    Args:
        name: the loss name (see the module docstring).
        y_true: targets, same shape as `y_pred`.
        y_pred: predictions.
        param: Huber's delta (ignored by the others).

    Returns:
        Tensor of shape `y_pred.shape[:-1]`.

    Example:

    >>> point_loss("mean_squared_error", [[0.0, 1.0]], [[1.0, 1.0]]).numpy()
    array([0.5], dtype=float32)
    """
    y_true = _f32(y_true)
    y_pred = _f32(y_pred)
    out = wrap(_C.point_loss_forward(name, y_true._c, y_pred._c, float(param)))
    if _state.tapes:
        record("point_loss", (y_pred,), out, (y_true._c, y_pred._c), (name, float(param)))
    return out


def point_loss_reduced(name, y_true, y_pred, weights=None, param=0.0, scale=1.0):
    """Scalar `scale * sum_r weights[r] * point_loss(name, y_true, y_pred)[r]`, fused.

    Args:
        weights: one float32 weight per sample (`y_pred.shape[:-1]`), or None.
    """
    y_true = _f32(y_true)
    y_pred = _f32(y_pred)
    w_c = None if weights is None else _f32(weights)._c
    out = wrap(_C.point_loss_reduced_forward(name, y_true._c, y_pred._c, w_c, float(param),
                                             float(scale)))
    if _state.tapes:
        record("point_loss_reduced", (y_pred,), out, (y_true._c, y_pred._c, w_c),
               (name, float(param), float(scale)))
    return out


def weighted_sum(values, weights=None, scale=1.0):
    """Scalar `scale * sum(values * weights)` (weights: same size as values, or None)."""
    values = _f32(values)
    w_c = None if weights is None else _f32(weights)._c
    out = wrap(_C.weighted_sum_forward(values._c, w_c, float(scale)))
    if _state.tapes:
        record("weighted_sum", (values,), out, (values._c, w_c), float(scale))
    return out


__all__ = ["point_loss", "point_loss_reduced", "weighted_sum"]
