"""Translates the compiled losses and metrics into `_C.ProgramHead`/`ProgramMetric`s.

Only built-ins whose eager computation the program reproduces kernel for kernel are
accepted: the cross-entropies and the fused point losses (MSE, MAE, Huber, ...) with
the "sum_over_batch_size" or "sum" reduction, the accuracy and point-loss mean
metrics (RootMeanSquaredError included), and the confusion metrics (TruePositives ...
FalseNegatives, Precision, Recall, AUC), whose counts the program adds into their own
Variables. Anything else raises `Unsupported` and the model trains on the eager path.
"""

import numpy as np

from pyfastfit.core._c import _C
from pyfastfit.trainers.fast_path.graph import Unsupported

_SPARSE = "sparse_categorical_crossentropy"


def loss_kind(fn):
    """(kind, from_logits, point name, param) of a built-in loss, or raises (its
    label_smoothing is read by `make_head`)."""
    from pyfastfit import losses
    from pyfastfit.losses.loss import Loss, LossFunctionWrapper

    label = f"loss '{getattr(fn, 'name', fn)}' ({type(fn).__name__})"
    if (not isinstance(fn, LossFunctionWrapper) or type(fn).__call__ is not Loss.__call__
            or type(fn).call is not LossFunctionWrapper.call):
        raise Unsupported(f"{label} is not a built-in loss")
    if fn.reduction not in ("sum_over_batch_size", "sum"):
        raise Unsupported(f"{label} has reduction={fn.reduction!r}")
    if fn._point is not None:
        return "point", False, fn._point[0], float(fn._point[1])
    kw = dict(fn._fn_kwargs)
    kinds = {losses.sparse_categorical_crossentropy: _SPARSE,
             losses.categorical_crossentropy: "categorical_crossentropy",
             losses.binary_crossentropy: "binary_crossentropy"}
    kind = kinds.get(fn.fn)
    if kind is None:
        raise Unsupported(f"{label} has no fast-path kernel")
    if kw.pop("ignore_class", None) is not None:
        raise Unsupported(f"{label} uses ignore_class")
    if kw.pop("label_smoothing", 0) and kind == _SPARSE:
        raise Unsupported(f"{label} uses label_smoothing")
    if kw.pop("axis", -1) != -1:
        raise Unsupported(f"{label} reduces along an axis other than -1")
    from_logits = bool(kw.pop("from_logits", False))
    if kw:
        raise Unsupported(f"{label} has arguments {sorted(kw)}")
    return kind, from_logits, None, 0.0


def make_head(fn, node, weight, width):
    """The ProgramHead of one output's loss `fn` on an output of `width` columns,
    weighted by `weight` (None: 1)."""
    kind, from_logits, point, param = loss_kind(fn)
    head = _C.ProgramHead(node, kind)
    head.from_logits = from_logits
    if point is not None:
        head.point = point
        head.param = param
    head.sum_reduction = fn.reduction == "sum"
    ls = float(getattr(fn, "_fn_kwargs", {}).get("label_smoothing", 0.0) or 0.0)
    if ls:  # the eager targets: y * (1 - ls) + ls / classes (binary: + ls / 2)
        head.smoothing = True
        head.smooth_scale = float(np.float32(1.0 - ls))
        head.smooth_offset = float(np.float32(
            0.5 * ls if kind == "binary_crossentropy" else ls / float(width)))
    if weight is not None:
        head.has_weight = True
        head.weight = float(weight)
    return head


def make_metric(m, head_index, sparse_head, weighted):
    """The ProgramMetric of metric object `m` on a head, or raises Unsupported."""
    from pyfastfit.losses.loss import _POINT_FUNCTIONS
    from pyfastfit.metrics import accuracy_metrics as am
    from pyfastfit.metrics import reduction_metrics as rm
    from pyfastfit.metrics import regression_metrics as regm

    table = {am.SparseCategoricalAccuracy: ("sparse", True),
             am.SparseTopKCategoricalAccuracy: ("sparse_top_k", True),
             am.CategoricalAccuracy: ("categorical", False),
             am.TopKCategoricalAccuracy: ("top_k", False),
             am.BinaryAccuracy: ("binary", False), am.Accuracy: ("exact", False)}
    label = f"metric '{m.name}' ({type(m).__name__})"
    if type(m) in table:
        kind, needs_sparse = table[type(m)]
        if needs_sparse != sparse_head:
            raise Unsupported(f"{label} does not match its output's target format")
        spec = _C.ProgramMetric(head_index, kind, weighted)
        if getattr(m, "threshold", None) is not None:
            spec.threshold = float(m.threshold)
        if hasattr(m, "k"):
            spec.k = int(m.k)
        return spec
    confusion = _confusion_metric(m, head_index, sparse_head, weighted, label)
    if confusion is not None:
        return confusion
    if type(m) is regm.RootMeanSquaredError and not sparse_head:
        # Its state is the Mean of the per-sample mean squared errors (sqrt at result()).
        return _C.ProgramMetric(head_index, "point:mse", weighted)
    if (isinstance(m, rm.MeanMetricWrapper)
            and type(m).update_state is rm.MeanMetricWrapper.update_state
            and getattr(m, "_fn", None) in _POINT_FUNCTIONS and not m._fn_kwargs
            and not sparse_head):
        return _C.ProgramMetric(head_index, "point:" + _POINT_FUNCTIONS[m._fn], weighted)
    raise Unsupported(f"{label} has no fast-path kernel")


def _confusion_metric(m, head_index, sparse_head, weighted, label):
    """The ProgramMetric of a confusion metric (counts added into its own Variables), None
    for other metrics, or raises Unsupported."""
    from pyfastfit.metrics import confusion_metrics as cm

    counts = {cm.TruePositives: ("tp",), cm.FalsePositives: ("fp",),
              cm.TrueNegatives: ("tn",), cm.FalseNegatives: ("fn",),
              cm.Precision: ("tp", "fp"), cm.Recall: ("tp", "fn"),
              cm.AUC: ("tp", "fp", "tn", "fn")}.get(type(m))
    if counts is None:
        return None
    if sparse_head:
        raise Unsupported(f"{label} needs targets shaped like the predictions")
    if isinstance(m, cm._PrecisionRecall) and (m.top_k is not None or m.class_id is not None):
        raise Unsupported(f"{label} has top_k or class_id")
    if isinstance(m, cm.AUC) and (m.multi_label or m._from_logits
                                  or m.label_weights is not None):
        raise Unsupported(f"{label} has multi_label, from_logits or label_weights")
    variables = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
                 "fn": "false_negatives"}
    spec = _C.ProgramMetric(head_index, "confusion", weighted)
    spec.thresholds = _C.from_numpy(m._thr)
    for count in counts:
        var = m.accumulator if isinstance(m, cm._ConfusionMatrixConditionCount) \
            else getattr(m, variables[count])
        setattr(spec, count, var._c)
    return spec


def target_array(head_kind, y, n, out_shape):
    """One output's targets as the program reads them (int64 labels, one per position,
    or float32 rows of the output's width); converted once per fit, or raises
    Unsupported."""
    y = np.asarray(y)
    positions = tuple(out_shape[1:-1])
    width = int(np.prod(out_shape[1:], dtype=np.int64))
    if head_kind == _SPARSE:
        if y.shape == (n,) + positions + (1,):  # a trailing 1, as Keras squeezes it
            y = y.reshape(y.shape[:-1])
        if y.shape != (n,) + positions:
            raise Unsupported(f"sparse targets of shape {y.shape}")
        if y.dtype.kind == "f":
            if not np.array_equal(y, np.round(y)):
                raise Unsupported("sparse targets are not whole numbers")
        elif y.dtype.kind not in "iu":
            raise Unsupported(f"sparse targets of dtype {y.dtype}")
        return np.ascontiguousarray(y, dtype=np.int64).reshape(-1)
    if y.ndim == 1 and width == 1:
        y = y.reshape(n, 1)
    if y.shape != (n,) + tuple(out_shape[1:]):
        raise Unsupported(f"targets of shape {y.shape} for an output of shape "
                          f"{tuple(out_shape)}")
    if y.dtype.kind not in "fiub":
        raise Unsupported(f"targets of dtype {y.dtype}")
    return np.ascontiguousarray(y, dtype=np.float32).reshape(n, width)


def weight_array(sw, n):
    """Sample weights as a float32 (n,) array (None: an empty array, no weights)."""
    if sw is None:
        return np.empty((0,), np.float32)
    sw = np.asarray(sw)
    if sw.size != n or (sw.ndim > 1 and sw.shape != (n, 1)):
        raise Unsupported(f"sample_weight of shape {sw.shape}")
    return np.ascontiguousarray(sw.reshape(n), dtype=np.float32)
