"""Metric accumulators: in-place updates of metric state Variables by fused C++ kernels
(csrc/cpu/metrics.*), and the shape handling around them. Not differentiable; used by
`pyfastfit.metrics`.

A Tensor argument reaches the kernels as it is (dtype conversions, reshapes and
broadcasts are `_C` ops), so a metric update on Tensors never reads tensor data from
Python and a captured step can replay it; NumPy and Python inputs are converted once.
"""

import numpy as np

from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C


_LABEL_DTYPES = tuple(np.dtype(d) for d in ("float32", "int32", "int64", "uint8", "bool"))


def _c(x, float32=True):
    if isinstance(x, Tensor):
        c = x._c
        if float32 and c.dtype != "float32":
            return _C.cast(c, "float32")
        return c
    if isinstance(x, _C.Tensor):
        return x if not float32 or x.dtype == "float32" else _C.cast(x, "float32")
    a = np.asarray(x)
    if float32:
        if a.dtype != np.float32:
            a = a.astype(np.float32)
    elif a.dtype not in _LABEL_DTYPES:
        a = a.astype(np.float32 if a.dtype.kind == "f" else np.int64)
    return _C.from_numpy(np.ascontiguousarray(a))


def _broadcast(c, shape):
    return c if c.shape == shape else _C.broadcast_to(c, shape)


def same_rank(a, b):
    """Keras squeeze_or_expand_to_same_rank on `_C.Tensor`s (by reshapes)."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        if b.ndim == 1:
            b = b.reshape(b.shape + (1,))
        else:
            a = a.reshape(a.shape[:-1])
    elif b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        if a.ndim == 1:
            a = a.reshape(a.shape + (1,))
        else:
            b = b.reshape(b.shape[:-1])
    return a, b


def samplewise_weights(values_shape, sample_weight):
    """Keras `reduce_to_samplewise_values` weights as a float32 `_C.Tensor` with one
    weight per value (`values_shape`) or one per sample (leading axis).

    Weights align with the leading axes of the values (a `(B,)` weight weights each
    sample's mean); a trailing dimension of 1 is squeezed or expanded as Keras does; a
    scalar weight becomes `w / B` per sample (so the count grows by `w`, as in Keras).
    """
    w = _c(sample_weight)
    vshape = tuple(values_shape)
    vnd = len(vshape)
    if vnd == w.ndim + 1 and vshape[-1] == 1:
        if w.ndim == 1:
            w = w.reshape(w.shape + (1,))
        else:
            vshape = vshape[:-1]
    elif w.ndim == vnd + 1 and w.shape[-1] == 1:
        if vnd == 1:
            vshape = vshape + (1,)
        else:
            w = w.reshape(w.shape[:-1])
    wshape = w.shape
    if not wshape:
        b = max(vshape[0] if vshape else 1, 1)
        return _broadcast(_C.divide(w, float(b)), (b,))
    if wshape == vshape or (len(wshape) == 1 and vshape and wshape[0] == vshape[0]):
        return w
    if len(wshape) <= len(vshape):
        padded = wshape + (1,) * (len(vshape) - len(wshape))
        if all(a in (1, b) for a, b in zip(padded, vshape)):
            return _broadcast(w.reshape(padded), vshape)
    raise ValueError(
        f"`sample_weight` of shape {wshape} is not compatible with values of shape "
        f"{tuple(values_shape)}: expected one weight per sample or per value."
    )


def mean_update_(total, count, values, sample_weight=None):
    """Keras `Mean.update_state`: adds the (weighted) per-sample means of `values` to
    `total` and the weight sum (or the number of samples) to `count`, in place."""
    v = _c(values)
    w = None if sample_weight is None else samplewise_weights(v.shape, sample_weight)
    _C.accuracy_update_(total._c, count._c, None, v, w, "values")


def sum_update_(total, values, sample_weight=None):
    """Keras `Sum.update_state`: `total += sum(values * sample_weight)`, in place (a
    scalar weight scales the whole sum; others align with the leading axes)."""
    v = _c(values)
    w = None
    if sample_weight is not None:
        w = _c(sample_weight)
        if w.ndim:
            w = samplewise_weights(v.shape, w)
    _C.sum_update_(total._c, v, w)


def mean_result(total, count):
    """`total / count` (0 when count is 0; `total` itself when count is None) as a new
    0-d float32 Tensor (never a view of the state)."""
    return wrap(_C.mean_result(total._c, None if count is None else count._c))


def ratio_result(num, den=None, add_num=False, scalar=False):
    """`num / den` elementwise (0 where den is 0; `num + den` as the denominator with
    `add_num`, as precision `tp / (tp + fp)`; a copy of `num` without `den`) as a new
    float32 Tensor, 0-d when `scalar` (a one-threshold metric)."""
    den_c = None if den is None else den._c
    if add_num:
        den_c = _C.add(num._c, den_c)
    out = _C.mean_result(num._c, den_c)
    return wrap(out.reshape(()) if scalar else out)


def root_mean_result(total, count):
    """`sqrt(total / count)` (0 when count is 0) as a new 0-d float32 Tensor."""
    return wrap(_C.sqrt(_C.mean_result(total._c, count._c)))


def squared_error(y_true, y_pred):
    """`square(y_pred - y_true)` after Keras's rank alignment, as a float32 `_C.Tensor`."""
    yt, yp = same_rank(_c(y_true), _c(y_pred))
    return _C.square(_C.subtract(yp, yt))


def confusion_inputs(y_true, y_pred):
    """`(y_true, y_pred)` as `_C.Tensor`s for `confusion_update_`: Keras's rank alignment,
    then labels reshaped to the predictions' shape when the sizes agree."""
    yp, yt = same_rank(_c(y_pred), _c(y_true, False))
    if yt.shape != yp.shape:
        if yt.size != yp.size:
            raise ValueError(
                f"y_true of shape {_shape(y_true)} and y_pred of shape {_shape(y_pred)} are "
                "incompatible.")
        yt = yt.reshape(yp.shape)
    return yt, yp


def confusion_weights(pred_shape, sample_weight):
    """Float32 `_C.Tensor` weights for `confusion_update_`: one per prediction, or one per
    leading block (a sample); a scalar or broadcastable weight is broadcast."""
    w = _c(sample_weight)
    pred_shape = tuple(pred_shape)
    if w.shape == pred_shape:
        return w
    n = 1
    for d in pred_shape:
        n *= d
    if w.ndim == 0:
        return _broadcast(w, pred_shape)
    if pred_shape and w.ndim == 1 and w.shape[0] == pred_shape[0]:
        return w  # one weight per sample: the kernel spreads it over the sample's items
    if w.size and n % w.size == 0 and pred_shape[:w.ndim] == w.shape:
        return w  # one weight per leading block
    fits = w.ndim <= len(pred_shape) and all(
        a in (1, b) for a, b in zip(reversed(w.shape), reversed(pred_shape)))
    if not fits:
        raise ValueError(f"`sample_weight` of shape {w.shape} cannot be broadcast to the "
                         f"predictions' shape {pred_shape}.")
    return _broadcast(w, pred_shape)


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def accuracy_inputs(kind, y_true, y_pred, name):
    """`(y_true, y_pred, items_shape)` as `_C.Tensor`s checked and aligned for `kind`:
    broadcast elementwise pairs for "exact"/"binary", a class axis on `y_pred` (and
    labels of its leading shape for "sparse*") otherwise. `name` is used in messages."""
    yp = _c(y_pred)
    yt = _c(y_true, False)
    if kind in ("exact", "binary"):
        yt, yp = same_rank(yt, yp)
        if yt.shape != yp.shape:
            try:
                shape = tuple(np.broadcast_shapes(yt.shape, yp.shape))
            except ValueError:
                raise ValueError(f"Shapes of y_true {yt.shape} and y_pred {yp.shape} are "
                                 "incompatible.") from None
            yt, yp = _broadcast(yt, shape), _broadcast(yp, shape)
        return yt, yp, yp.shape
    if yp.ndim < 1:
        raise ValueError(f"{name} expects y_pred with a class axis; got shape {yp.shape}.")
    items_shape = yp.shape[:-1]
    if kind.startswith("sparse"):
        given = yt.shape
        if yt.ndim == yp.ndim and yt.ndim and yt.shape[-1] == 1:
            yt = yt.reshape(yt.shape[:-1])
        if yt.size != yp.size // max(yp.shape[-1], 1) and yp.shape[-1]:
            raise ValueError(
                f"Sparse labels of shape {given} do not match predictions of shape "
                f"{yp.shape}: expected labels of shape {items_shape}.")
    return yt, yp, items_shape


def accuracy_matches(y_true, y_pred, kind, threshold=0.5, k=5):
    """Per-item 0/1 matches of an accuracy `kind` (inputs as `accuracy_inputs` returns
    them) as a float32 Tensor shaped like the items."""
    return wrap(_C.accuracy_matches(_c(y_true, False), _c(y_pred), kind, float(threshold),
                                    int(k)))


def accuracy_update_(total, count, y_true, y_pred, sample_weight, kind, threshold=0.5, k=5):
    """Adds one batch to a (total, count) pair of scalar float32 Variables in place.

    Args:
        total, count: the metric's scalar Variables.
        y_true: targets (None for `kind="values"`); sparse labels may be integers.
        y_pred: predictions (or the values, for `kind="values"`).
        sample_weight: float32 weights with one weight per value or per sample (as
            `samplewise_weights` returns them), or None.
        kind: "values", "exact", "binary", "categorical", "sparse", "top_k" or
            "sparse_top_k".
    """
    _C.accuracy_update_(total._c, count._c, None if y_true is None else _c(y_true, False),
                        _c(y_pred), None if sample_weight is None else _c(sample_weight),
                        kind, float(threshold), int(k))


def _acc_c(v):
    if isinstance(v, Tensor):
        return v._c
    if not (isinstance(v, np.ndarray) and v.dtype == np.float32 and v.flags.c_contiguous
            and v.flags.writeable):
        raise TypeError("confusion accumulators must be Variables or writeable C-contiguous "
                        f"float32 arrays; got {type(v).__name__}.")
    return _C.from_numpy(v)  # zero-copy: the kernel writes into the array


def confusion_update_(tp, fp, tn, fn, y_true, y_pred, thresholds, sample_weight=None):
    """Adds the weighted TP/FP/TN/FN counts of a batch at each threshold (y_pred > t,
    label y_true != 0) into the given (T,) Variables or float32 arrays (None to skip
    one)."""
    _C.confusion_update_(*(None if v is None else _acc_c(v) for v in (tp, fp, tn, fn)),
                         _c(y_true, False), _c(y_pred), _c(thresholds),
                         None if sample_weight is None else _c(sample_weight))


__all__ = ["accuracy_inputs", "accuracy_matches", "accuracy_update_", "confusion_inputs",
           "confusion_update_", "confusion_weights", "mean_result", "mean_update_",
           "ratio_result", "root_mean_result", "same_rank", "samplewise_weights",
           "squared_error", "sum_update_"]
