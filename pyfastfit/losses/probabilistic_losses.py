"""Probabilistic losses (keras/src/losses/losses.py, Keras 3): Poisson (one fused C++
kernel), Kullback-Leibler divergence and the cross-entropies (the fused
`ops.*_crossentropy` kernels), as snake_case functions returning per-sample losses and as
`Loss` classes."""

import warnings

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor
from pyfastfit.losses._common import _EPSILON, _PointLoss, _pair, _point
from pyfastfit.losses.loss import Loss, LossFunctionWrapper, _float_tensor


# ----------------------------------------------------------------------------- functions
def poisson(y_true, y_pred):
    """`mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`."""
    return _point("poisson", y_true, y_pred)


def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`, both
    clipped to [1e-7, 1]."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = ops.clip(y_true, _EPSILON, 1.0)
    y_pred = ops.clip(y_pred, _EPSILON, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def _smooth_binary(y_true, label_smoothing):
    if not label_smoothing:
        return y_true
    return ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary cross-entropy, averaged over `axis`.

    Args:
        y_true: targets in [0, 1], shape `(batch_size, d0, .. dN)`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: in [0, 1]; targets become `y * (1 - ls) + 0.5 * ls`.
        axis: the axis the mean is computed along. Defaults to `-1`.

    Example:

    >>> binary_crossentropy([[0.0, 1.0]], [[0.4, 0.6]]).numpy()
    array([0.5108254], dtype=float32)
    """
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth_binary(y_true, float(label_smoothing))
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits),
                    axis=axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary focal cross-entropy (Lin et al., 2017): `(1 - p_t) ** gamma * bce`, averaged
    over `axis`; with `apply_class_balancing`, weighted by alpha / (1 - alpha)."""
    y_true, y_pred = _pair(y_true, y_pred)
    y_true = _smooth_binary(y_true, float(label_smoothing))
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    one_minus_t = ops.subtract(1.0, y_true)
    p_t = ops.add(ops.multiply(y_true, y_pred),
                  ops.multiply(one_minus_t, ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, float(alpha)),
                         ops.multiply(one_minus_t, 1.0 - float(alpha)))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0,
                             axis=-1):
    """Categorical cross-entropy between one-hot (or soft) targets and predictions.

    Args:
        y_true: one-hot targets, shape `(batch_size, ..., num_classes)`.
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: in [0, 1]; targets become `y * (1 - ls) + ls / num_classes`.
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> categorical_crossentropy([[0.0, 1.0, 0.0]], [[0.05, 0.95, 0.0]]).numpy()
    array([0.05129331], dtype=float32)
    """
    if isinstance(axis, bool):
        raise ValueError(
            f"`axis` must be of type `int`. Received: axis={axis} of type {type(axis)}")
    y_pred = _float_tensor(y_pred)
    y_true = _float_tensor(y_true)
    if y_pred.ndim and y_pred.shape[-1] == 1:
        warnings.warn(
            "In loss categorical_crossentropy, expected y_pred.shape to be (batch_size, "
            f"num_classes) with num_classes > 1. Received: y_pred.shape={y_pred.shape}. "
            "Consider using 'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = float(y_true.shape[-1])
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing),
                         label_smoothing / num_classes)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def _sparse_labels(y_true, y_pred):
    labels = y_true
    if isinstance(labels, Tensor):
        if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
            labels = ops.squeeze(labels, axis=-1)
        return labels
    labels = np.asarray(labels)
    if labels.ndim == y_pred.ndim and labels.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    return labels


def _valid_mask(labels, ignore_class):
    a = np.asarray(labels._c if isinstance(labels, Tensor) else labels)
    valid = a != ignore_class
    safe = np.where(valid, a, 0).astype(a.dtype if a.dtype.kind in "iu" else np.int64)
    return np.ascontiguousarray(safe), valid


def _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis):
    y_pred = _float_tensor(y_pred)
    labels = _sparse_labels(y_true, y_pred)
    if ignore_class is None:
        return ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                                   axis=axis), None
    safe, valid = _valid_mask(labels, ignore_class)
    res = ops.sparse_categorical_crossentropy(safe, y_pred, from_logits=from_logits,
                                              axis=axis)
    valid = valid.reshape(res.shape)
    res = ops.multiply(res, valid.astype(np.float32))
    return res, valid


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Categorical cross-entropy with integer targets.

    Args:
        y_true: integer class indices, of the shape of `y_pred` without the class axis
            (or with a trailing 1).
        y_pred: probabilities, or logits when `from_logits=True`.
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: a label whose samples get loss 0 (and are left out of the
            `"sum_over_batch_size"` average by `SparseCategoricalCrossentropy`).
        axis: the class axis. Defaults to `-1`.

    Example:

    >>> sparse_categorical_crossentropy([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]).numpy()
    array([0.05129344, 2.3025851 ], dtype=float32)
    """
    return _sparse_ce(y_true, y_pred, from_logits, ignore_class, axis)[0]


# ------------------------------------------------------------------------------- classes
class Poisson(_PointLoss):
    """`mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)`."""

    _point = ("poisson", 0.0)

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)


class KLDivergence(LossFunctionWrapper):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred), axis=-1)`."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


def _crossentropy_config(loss):
    """`Loss.get_config` plus a cross-entropy's from_logits, label_smoothing and axis (as
    the instance holds them now, as Keras writes them)."""
    config = Loss.get_config(loss)
    config.update({"from_logits": loss.from_logits, "label_smoothing": loss.label_smoothing,
                   "axis": loss.axis})
    return config


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary cross-entropy between labels in [0, 1] and predicted probabilities (or
    logits).

    Args:
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: in [0, 1]. Defaults to 0.
        axis: the axis the mean is taken along. Defaults to -1.
        reduction, name (default `"binary_crossentropy"`), dtype: see `Loss`.

    Example:

    >>> keras.losses.BinaryCrossentropy(from_logits=True)([0.0, 1.0], [-2.0, 3.0])
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return _crossentropy_config(self)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary focal cross-entropy (down-weights easy examples by `(1 - p_t) ** gamma`).

    Args:
        apply_class_balancing: weight by `alpha` / `1 - alpha`. Defaults to `False`.
        alpha: class balance factor. Defaults to 0.25.
        gamma: focusing parameter. Defaults to 2.0.
        from_logits, label_smoothing, axis, reduction, name, dtype: as
            `BinaryCrossentropy` (name defaults to `"binary_focal_crossentropy"`).
    """

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, apply_class_balancing=apply_class_balancing,
                         alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        config = Loss.get_config(self)
        config.update(self._fn_kwargs)
        return config


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between one-hot labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        label_smoothing: in [0, 1]. Defaults to 0.
        axis: the class axis. Defaults to -1.
        reduction, name (default `"categorical_crossentropy"`), dtype: see `Loss`.

    Example:

    >>> keras.losses.CategoricalCrossentropy()([[0, 1, 0]], [[0.05, 0.95, 0]])
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy",
                 dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return _crossentropy_config(self)


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy between integer labels and predicted probabilities (or logits).

    Args:
        from_logits: whether `y_pred` holds logits. Defaults to `False`.
        ignore_class: a label to ignore (loss 0, left out of the average).
        reduction, name (default `"sparse_categorical_crossentropy"`), dtype: see `Loss`.

    Example:

    >>> keras.losses.SparseCategoricalCrossentropy()([1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    """

    def __init__(self, from_logits=False, ignore_class=None,
                 reduction="sum_over_batch_size", name="sparse_categorical_crossentropy",
                 dtype=None):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits
        self.ignore_class = ignore_class

    def _call_masked(self, y_true, y_pred):
        if type(self).call is not LossFunctionWrapper.call:
            return self.call(y_true, y_pred), None
        return _sparse_ce(y_true, y_pred, self.from_logits, self.ignore_class, -1)

    def get_config(self):
        config = Loss.get_config(self)
        config.update({"from_logits": self.from_logits, "ignore_class": self.ignore_class})
        return config
