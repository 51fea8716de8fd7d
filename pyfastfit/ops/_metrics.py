"""Metric accumulators: in-place updates of metric state Variables by fused C++ kernels
(csrc/cpu/metrics.*). Not differentiable; used by `pyfastfit.metrics`."""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.core._c import _C


_LABEL_DTYPES = tuple(np.dtype(d) for d in ("float32", "int32", "int64", "uint8", "bool"))


def _c(x, float32=True):
    if isinstance(x, Tensor):
        c = x._c
        if float32 and c.dtype != "float32":
            return _C.from_numpy(np.asarray(c).astype(np.float32))
        return c
    a = np.asarray(x)
    if float32:
        if a.dtype != np.float32:
            a = a.astype(np.float32)
    elif a.dtype not in _LABEL_DTYPES:
        a = a.astype(np.float32 if a.dtype.kind == "f" else np.int64)
    return _C.from_numpy(np.ascontiguousarray(a))


def accuracy_update_(total, count, y_true, y_pred, sample_weight, kind, threshold=0.5, k=5):
    """Adds one batch to a (total, count) pair of scalar float32 Variables in place.

    Args:
        total, count: the metric's scalar Variables.
        y_true: targets (None for `kind="values"`); sparse labels may be integers.
        y_pred: predictions (or the values, for `kind="values"`).
        sample_weight: float32 array with one weight per value or per sample, or None.
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


__all__ = ["accuracy_update_", "confusion_update_"]
