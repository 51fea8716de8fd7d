"""Loss base class and the reduction helpers (keras/src/losses/loss.py, Keras 3)."""

import math
import re

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor
from pyfastfit.ops import _losses as loss_ops

_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")
_EPSILON = 1e-7
_local_uids = {}
# Built-in point-loss functions -> fused kernel name (filled by losses.py).
_POINT_FUNCTIONS = {}


def _to_snake_case(name):
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def auto_name(class_name):
    """Keras's default object name: snake_case class name, uniquified (`auc`, `auc_1`)."""
    try:
        from pyfastfit.backend import to_snake_case, unique_name
    except ImportError:
        base = _to_snake_case(class_name)
        _local_uids[base] = _local_uids.get(base, 0) + 1
        uid = _local_uids[base]
        return base if uid == 1 else f"{base}_{uid - 1}"
    return unique_name(to_snake_case(class_name))


def _dtype_name(dtype):
    """A dtype name from a string, a NumPy dtype, a policy object or a Keras 3
    serialized DTypePolicy dict (`{"class_name": "DTypePolicy", "config": {"name": ..}}`)."""
    if dtype is None:
        return None
    if isinstance(dtype, dict):
        cfg = dtype.get("config", dtype)
        dtype = cfg.get("name") if isinstance(cfg, dict) else cfg
    dtype = getattr(dtype, "name", dtype)
    if dtype in ("mixed_float16", "mixed_bfloat16"):
        return "float32"
    return str(dtype) if dtype is not None else None


def standardize_reduction(reduction):
    """Validates `reduction` against the Keras 3 values."""
    if reduction not in _REDUCTIONS:
        raise ValueError(
            "Invalid value for argument `reduction`. Expected one of "
            f"{_REDUCTIONS}. Received: reduction={reduction}"
        )
    return reduction


def _rank(x):
    return x.ndim if isinstance(x, (Tensor, np.ndarray)) else np.ndim(x)


def _shape(x):
    return tuple(x.shape) if isinstance(x, (Tensor, np.ndarray)) else np.shape(x)


def _squeeze_last(x):
    if isinstance(x, Tensor):
        return ops.squeeze(x, axis=-1)
    return np.squeeze(x, axis=-1)


def _expand_last(x):
    if isinstance(x, Tensor):
        return ops.expand_dims(x, -1)
    return np.expand_dims(x, -1)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Squeezes or expands a trailing dimension of 1 so that `x1` and `x2` have equal rank.

    Works on Tensors (differentiably) and on NumPy arrays.
    """
    r1, r2 = _rank(x1), _rank(x2)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and _shape(x1)[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    if r2 == r1 + 1 and _shape(x2)[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


def _as_weight_array(sample_weight):
    if isinstance(sample_weight, Tensor):
        a = np.asarray(sample_weight._c)
    else:
        a = np.asarray(sample_weight)
    if a.dtype != np.float32:
        a = a.astype(np.float32)
    return a


def _apply_mask(sample_weight, mask, reduction):
    """Keras `apply_mask`: folds a boolean mask into the sample weights (NumPy)."""
    mask = np.asarray(mask, dtype=np.float32)
    if reduction in ("mean", "sum_over_batch_size"):
        total = np.float32(mask.size)
        valid = np.float32(mask.sum())
        mask = mask * np.float32(total / (valid + np.float32(_EPSILON)))
    if sample_weight is not None:
        mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
        return sample_weight * mask
    return mask


def _tensor_weights(values_shape, w):
    """`_weights_and_scale`'s broadcasting for a Tensor weight, by Tensor ops (reshape,
    broadcast_to, cast: the weights' data never visits Python, so a captured step can
    replay it). Returns (values_shape, float32 weights of values_shape)."""
    if w.dtype != "float32":
        w = ops.cast(w, "float32")
    vshape = tuple(values_shape)
    if w.shape == vshape:
        return vshape, w
    wshape = w.shape
    if len(vshape) == len(wshape) + 1 and vshape[-1] == 1:  # Keras squeeze/expand rule
        if len(wshape) == 1:
            wshape = wshape + (1,)
        else:
            vshape = vshape[:-1]
    elif len(wshape) == len(vshape) + 1 and wshape[-1] == 1:
        if len(vshape) == 1:
            vshape = vshape + (1,)
        else:
            wshape = wshape[:-1]
    if len(wshape) < len(vshape) and wshape == vshape[:len(wshape)]:
        # Weights for the leading axes (e.g. one per sample of (B, T) losses).
        wshape = wshape + (1,) * (len(vshape) - len(wshape))
    fits = len(wshape) <= len(vshape) and all(
        a in (1, b) for a, b in zip(reversed(wshape), reversed(vshape)))
    if not fits:
        raise ValueError(
            f"`sample_weight` of shape {wshape} cannot be broadcast to the per-sample "
            f"losses of shape {vshape}."
        )
    if wshape != w.shape:
        w = ops.reshape(w, wshape)
    if wshape != vshape:
        w = ops.broadcast_to(w, vshape)
    return vshape, w


def _weights_and_scale(values_shape, sample_weight, mask, reduction):
    """NumPy side of `reduce_weighted_values`: returns (values_shape, weights, scale).

    `weights` is a float32 array of `values_shape` (or None); the reduced loss is
    `scale * sum(values * weights)`. `values_shape` may change by the Keras
    squeeze/expand rule. A Tensor weight without a mask is broadcast by Tensor ops
    (no host access) unless the scale needs its sum ("mean_with_sample_weight").
    """
    if (mask is None and isinstance(sample_weight, Tensor)
            and reduction != "mean_with_sample_weight"):
        values_shape, w_full = _tensor_weights(values_shape, sample_weight)
        n = math.prod(values_shape)
        scale = 1.0 if reduction == "sum" else (1.0 / n if n else 0.0)
        return values_shape, w_full, scale
    w = None if sample_weight is None else _as_weight_array(sample_weight)
    if mask is not None:
        w = _apply_mask(w, mask, reduction)
    if w is not None and w.shape == tuple(values_shape) and w.flags.c_contiguous:
        w_full = w  # the common case: one weight per sample loss
    elif w is not None:
        dummy = np.empty(values_shape, dtype=np.uint8)
        dummy, w = squeeze_or_expand_to_same_rank(dummy, w)
        values_shape = dummy.shape
        try:
            if w.ndim < len(values_shape) and w.shape == tuple(values_shape[:w.ndim]):
                # Weights for the leading axes (e.g. one per sample of (B, T) losses).
                w = w.reshape(w.shape + (1,) * (len(values_shape) - w.ndim))
            wb = np.broadcast_to(w, values_shape)
        except ValueError:
            raise ValueError(
                f"`sample_weight` of shape {w.shape} cannot be broadcast to the per-sample "
                f"losses of shape {tuple(values_shape)}."
            ) from None
        w_full = np.ascontiguousarray(wb, dtype=np.float32)
    else:
        w_full = None
    n = math.prod(values_shape)
    if reduction == "sum":
        scale = 1.0
    elif reduction == "mean_with_sample_weight" and w is not None:
        s = float(np.sum(w_full, dtype=np.float64))
        scale = 1.0 / s if s != 0 else 0.0
    else:
        scale = 1.0 / n if n else 0.0
    return values_shape, w_full, scale


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weights `values` by `sample_weight` (and `mask`) and reduces them as Keras 3.

    Args:
        values: per-sample (or per-element) losses, a Tensor.
        sample_weight: array-like broadcastable to `values` after the squeeze/expand rule.
        mask: optional boolean array; masked-out entries get weight 0.
        reduction: see `Loss`.

    Returns:
        A scalar Tensor, or the weighted values for `reduction="none"`/`None`.
    """
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values)
    if values.dtype != "float32":
        values = ops.cast(values, "float32")
    shape = values.shape
    if sample_weight is None and mask is None:
        if reduction in (None, "none") or shape in ((), (0,)):
            return values
        n = values.size
        scale = 1.0 if reduction == "sum" else (1.0 / n if n else 0.0)
        return loss_ops.weighted_sum(values, None, scale)
    new_shape, w, scale = _weights_and_scale(shape, sample_weight, mask, reduction)
    if new_shape != shape:
        values = ops.reshape(values, new_shape)
    if reduction in (None, "none") or tuple(new_shape) in ((), (0,)):
        return values if w is None else ops.multiply(values, w)
    return loss_ops.weighted_sum(values, w, scale)


class Loss:
    """Loss base class.

    Subclasses implement `call(y_true, y_pred)` returning the per-sample losses;
    `__call__` applies `sample_weight` and the reduction.

    Args:
        name: name of the loss instance.
        reduction: `"sum_over_batch_size"` (default: sum of weighted losses divided by
            their number), `"sum"`, `"none"`/`None`, `"mean"` (as sum_over_batch_size),
            or `"mean_with_sample_weight"` (divided by the sum of the weights).
        dtype: computation dtype; only `"float32"` is supported.

    Example:

    ```python
    class MyMSE(keras.losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(keras.ops.square(y_pred - y_true), axis=-1)
    ```
    """

    # (point loss name, param) for losses with a fused forward+reduction kernel.
    _point = None

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(self.__class__.__name__)
        self.reduction = standardize_reduction(reduction)
        dtype = _dtype_name(dtype)
        if dtype not in (None, "float32"):
            if dtype != "float32":
                raise ValueError(
                    f"Only dtype='float32' is supported for losses. Received: dtype={dtype}"
                )
        self._dtype = dtype

    @property
    def dtype(self):
        return self._dtype or "float32"

    def __call__(self, y_true, y_pred, sample_weight=None):
        # A model output with a mask (Embedding(mask_zero=True) upstream) is reduced over
        # its unmasked entries only (Keras's apply_mask).
        out_mask = getattr(y_pred, "_keras_mask", None)
        if (out_mask is None and self._point is not None
                and type(self).call is LossFunctionWrapper.call):
            return self._fused_call(y_true, y_pred, sample_weight)
        y_pred = _float_tensor(y_pred)
        y_true = _target_tensor(y_true)
        losses, mask = self._call_masked(y_true, y_pred)
        if out_mask is not None:
            out_mask = np.asarray(out_mask, dtype=bool)
            mask = out_mask if mask is None else np.logical_and(np.asarray(mask, bool),
                                                                out_mask)
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def _call_masked(self, y_true, y_pred):
        """(per-sample losses, boolean mask or None); subclasses with masks override it."""
        return self.call(y_true, y_pred), None

    def _fused_call(self, y_true, y_pred, sample_weight):
        name, param = self._point
        y_true, y_pred = point_pair(y_true, y_pred, f"loss '{self.name}'")
        red = self.reduction
        out_shape = y_pred.shape[:-1] if y_pred.ndim else ()
        if red in (None, "none") or out_shape in ((), (0,)):
            values = loss_ops.point_loss(name, y_true, y_pred, param)
            return reduce_weighted_values(values, sample_weight, None, red)
        if sample_weight is None:
            n = math.prod(out_shape)
            scale = 1.0 if red == "sum" else (1.0 / n if n else 0.0)
            return loss_ops.point_loss_reduced(name, y_true, y_pred, None, param, scale)
        new_shape, w, scale = _weights_and_scale(out_shape, sample_weight, None, red)
        if tuple(new_shape) != tuple(out_shape):
            values = loss_ops.point_loss(name, y_true, y_pred, param)
            return reduce_weighted_values(values, sample_weight, None, red)
        return loss_ops.point_loss_reduced(name, y_true, y_pred, w, param, scale)

    def call(self, y_true, y_pred):
        raise NotImplementedError(
            f"Loss subclass {type(self).__name__} must implement `call(y_true, y_pred)`."
        )

    def get_config(self):
        config = {"name": self.name, "reduction": self.reduction}
        if self._dtype is not None:
            config["dtype"] = self._dtype
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}, reduction={self.reduction!r}>"


def _float_tensor(x):
    x = ops.convert_to_tensor(x)
    if x.dtype != "float32":
        x = ops.cast(x, "float32")
    return x


def point_pair(y_true, y_pred, label):
    """`(y_true, y_pred)` for a point loss: float32, to the same rank as Keras, then
    `y_true` broadcast to `y_pred`'s shape (a ValueError naming `label` where it cannot
    be)."""
    y_pred = _float_tensor(y_pred)
    y_true = _float_tensor(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        try:
            bt = np.broadcast_to(np.asarray(y_true._c), y_pred.shape)
        except ValueError:
            raise ValueError(
                f"Incompatible shapes for {label}: y_true.shape={y_true.shape}, "
                f"y_pred.shape={y_pred.shape}."
            ) from None
        y_true = ops.convert_to_tensor(np.ascontiguousarray(bt))
    return y_true, y_pred


def _target_tensor(x):
    """Targets keep integer dtypes (sparse labels); everything else becomes float32."""
    x = ops.convert_to_tensor(x)
    if x.dtype == "bool":
        x = ops.cast(x, "float32")
    return x


class LossFunctionWrapper(Loss):
    """Wraps a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses into a
    `Loss` (targets and predictions are first brought to the same rank).

    Args:
        fn: the loss function.
        reduction: see `Loss`.
        name: name of the loss.
        dtype: see `Loss`.
        **kwargs: passed to `fn`.

    Example:

    >>> loss = LossFunctionWrapper(mean_squared_error, name="mse")
    >>> float(loss([[0.0, 1.0]], [[1.0, 1.0]]))
    0.5
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        point = _POINT_FUNCTIONS.get(fn) if type(self)._point is None else None
        if point is not None and set(kwargs) <= {"delta"}:
            # A wrapped built-in point loss (e.g. compile(loss="mse")): fused path.
            self._point = (point, float(kwargs.get("delta", 1.0 if point == "huber" else 0.0)))

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        from pyfastfit.losses import serialize_function

        config["fn"] = serialize_function(self.fn)
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if cls is LossFunctionWrapper:
            from pyfastfit.losses import deserialize_function

            config["fn"] = deserialize_function(config["fn"])
        else:
            config.pop("fn", None)
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, " \
               f"kwargs={self._fn_kwargs})>"
