"""Thresholded confusion metrics: TruePositives, FalsePositives, TrueNegatives,
FalseNegatives, Precision, Recall, AUC (keras/src/metrics/confusion_metrics.py, Keras 3).
Each `update_state` is one fused C++ call accumulating the counts at every threshold."""

import numpy as np

from pyfastfit.metrics.metric import Metric, _float_np, _np, _same_rank, _scalar_result
from pyfastfit.ops import _metrics as metric_ops

_EPSILON = 1e-7
NEG_INF = -1e10


def _to_list(x):
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return [x]


def parse_init_thresholds(thresholds, default_threshold=0.5):
    if thresholds is not None:
        invalid = [t for t in _to_list(thresholds) if t is None or t < 0 or t > 1]
        if invalid:
            raise ValueError(
                f"Threshold values must be in [0, 1]. Received: {invalid}")
    return [float(t) for t in _to_list(default_threshold if thresholds is None else thresholds)]


def _filter_top_k(x, k):
    """Keeps the top `k` values of the last axis; the others become NEG_INF (Keras)."""
    idx = np.argsort(-x, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(x.shape, dtype=bool)
    np.put_along_axis(mask, idx, True, axis=-1)
    return np.where(mask, x, np.float32(NEG_INF)).astype(np.float32)


def _confusion_weights(pred_shape, sample_weight, label_weights=None):
    """Float32 weights with one entry per prediction, or one per leading block; None."""
    w = None
    if sample_weight is not None:
        w = _np(sample_weight).astype(np.float32, copy=False)
        n = int(np.prod(pred_shape)) if pred_shape else 1
        if w.ndim == 0:
            w = np.full(pred_shape, w, np.float32)
        elif w.shape != tuple(pred_shape):
            if len(pred_shape) and w.ndim == 1 and w.shape[0] == pred_shape[0]:
                pass  # one weight per sample: the kernel broadcasts it
            elif w.size and n % w.size == 0 and pred_shape[:w.ndim] == w.shape:
                pass  # leading block
            else:
                try:
                    w = np.broadcast_to(w, pred_shape)
                except ValueError:
                    raise ValueError(
                        f"`sample_weight` of shape {w.shape} cannot be broadcast to the "
                        f"predictions' shape {tuple(pred_shape)}.") from None
    if label_weights is not None:
        lw = np.asarray(label_weights, np.float32)
        full = np.broadcast_to(lw, pred_shape)
        if w is not None:
            w = w.reshape(w.shape + (1,) * (len(pred_shape) - w.ndim)) * full
        else:
            w = full
        w = np.broadcast_to(w, pred_shape)
    return None if w is None else np.ascontiguousarray(w, dtype=np.float32)


def update_confusion_matrix_variables(variables, y_true, y_pred, thresholds, top_k=None,
                                      class_id=None, sample_weight=None, label_weights=None):
    """Adds a batch to `variables` (dict with keys "tp", "fp", "tn", "fn") at each
    threshold, as Keras's `metrics_utils.update_confusion_matrix_variables` (multi_label
    False): predictions are flattened, an item is positive when `y_pred > threshold`,
    a label is positive when `y_true != 0`.

    Without top_k, class_id and label_weights the inputs are aligned by `_C` ops (no
    host access); those options use NumPy."""
    if top_k is None and class_id is None and label_weights is None:
        yt, yp = metric_ops.confusion_inputs(y_true, y_pred)
        w = None if sample_weight is None else metric_ops.confusion_weights(yp.shape,
                                                                            sample_weight)
        metric_ops.confusion_update_(variables.get("tp"), variables.get("fp"),
                                     variables.get("tn"), variables.get("fn"), yt, yp,
                                     thresholds, w)
        return
    yp, yt = _same_rank(_float_np(y_pred), _np(y_true))
    if top_k is not None:
        yp = _filter_top_k(yp, top_k)
    if class_id is not None:
        yt = yt[..., class_id]
        yp = yp[..., class_id]
    if yt.shape != yp.shape:
        if yt.size != yp.size:
            raise ValueError(
                f"y_true of shape {_np(y_true).shape} and y_pred of shape "
                f"{_np(y_pred).shape} are incompatible.")
        yt = yt.reshape(yp.shape)
    w = _confusion_weights(yp.shape, sample_weight, label_weights)
    thr = np.asarray(thresholds, np.float32)
    metric_ops.confusion_update_(variables.get("tp"), variables.get("fp"),
                                 variables.get("tn"), variables.get("fn"),
                                 np.ascontiguousarray(yt), np.ascontiguousarray(yp), thr, w)


class _ConfusionMatrixConditionCount(Metric):
    _cond = None

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_init_thresholds(thresholds, default_threshold=0.5)
        self._thr = np.asarray(self.thresholds, np.float32)
        self.accumulator = self.add_variable(shape=(len(self.thresholds),),
                                             initializer="zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables({self._cond: self.accumulator}, y_true, y_pred,
                                          self._thr, sample_weight=sample_weight)

    def result(self):
        return metric_ops.ratio_result(self.accumulator, scalar=len(self.thresholds) == 1)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """Weighted number of true positives (`y_pred > threshold` and `y_true != 0`).

    Args:
        thresholds: a float or list of floats in [0, 1]. Defaults to 0.5.
        name: defaults to `"true_positives"` (uniquified).
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.TruePositives()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    2.0
    """

    _cond = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """Weighted number of false positives; arguments as `TruePositives`."""

    _cond = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of true negatives; arguments as `TruePositives`."""

    _cond = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """Weighted number of false negatives; arguments as `TruePositives`."""

    _cond = "fn"


class _PrecisionRecall(Metric):
    _second = None  # "fp" for precision, "fn" for recall

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else NEG_INF
        if top_k is None:
            self.thresholds = parse_init_thresholds(thresholds, default_threshold=default)
        else:
            self.thresholds = ([default] if thresholds is None
                               else parse_init_thresholds(thresholds))
        self._thr = np.asarray(self.thresholds, np.float32)
        n = len(self.thresholds)
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros",
                                                name="true_positives")
        other = "false_positives" if self._second == "fp" else "false_negatives"
        self._other = self.add_variable(shape=(n,), initializer="zeros", name=other)
        object.__setattr__(self, other, self._other)

    def update_state(self, y_true, y_pred, sample_weight=None):
        update_confusion_matrix_variables(
            {"tp": self.true_positives, self._second: self._other}, y_true, y_pred,
            self._thr, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight)

    def result(self):
        return metric_ops.ratio_result(self.true_positives, self._other, add_num=True,
                                       scalar=len(self.thresholds) == 1)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds,
                "top_k": self.top_k, "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """Precision `tp / (tp + fp)` of predictions at the given threshold(s).

    Args:
        thresholds: float or list of floats in [0, 1]; a prediction above it is
            positive. Defaults to 0.5 (or, with `top_k`, the top-k entries).
        top_k: only the `k` highest predictions of each sample count as positive.
        class_id: restrict the metric to this class index.
        name: defaults to `"precision"` (uniquified).
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.Precision()
    >>> m.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    >>> float(m.result())
    0.6666667
    """

    _second = "fp"


class Recall(_PrecisionRecall):
    """Recall `tp / (tp + fn)`; arguments as `Precision` (name `"recall"`)."""

    _second = "fn"


class AUC(Metric):
    """Approximate area under the ROC or PR curve by a Riemann sum over thresholds.

    Args:
        num_thresholds: number of thresholds (> 1). Defaults to 200.
        curve: `"ROC"` (default) or `"PR"`.
        summation_method: `"interpolation"` (default; for PR the Davis & Goadrich
            interpolation), `"minoring"` or `"majoring"`.
        name: defaults to `"auc"` (uniquified).
        dtype: see `Metric`.
        thresholds: optional list of thresholds in [0, 1] (overrides num_thresholds).
        multi_label: if True, `y_pred` is `(batch, num_labels)` and the AUC is computed
            per label, then averaged (weighted by `label_weights`).
        num_labels: number of labels when `multi_label=True` (else taken from the
            first batch).
        label_weights: optional per-class weights of the counts.
        from_logits: apply a sigmoid to the predictions first.

    Example:

    >>> m = keras.metrics.AUC(num_thresholds=3)
    >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
    >>> float(m.result())
    0.75
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        curve_s = str(curve).upper()
        if curve_s not in ("ROC", "PR"):
            raise ValueError(
                f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC"]')
        method = str(summation_method).lower()
        if method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(
                f'Invalid AUC summation method value: "{summation_method}". Expected values '
                'are ["interpolation", "majoring", "minoring"]')
        super().__init__(name=name, dtype=dtype)
        self.curve = curve_s
        self.summation_method = method
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self._from_logits = from_logits
        self.label_weights = None if label_weights is None else np.asarray(
            label_weights, np.float32)
        if thresholds is not None:
            thresholds = sorted(parse_init_thresholds(thresholds))
            self.num_thresholds = len(thresholds) + 2
            self._init_from_thresholds = True
        else:
            if not isinstance(num_thresholds, (int, np.integer)) or num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            thresholds = [(i + 1) * 1.0 / (num_thresholds - 1)
                          for i in range(num_thresholds - 2)]
            self._init_from_thresholds = False
        self._thresholds = np.array([0.0 - _EPSILON] + thresholds + [1.0 + _EPSILON])
        self._thr = self._thresholds.astype(np.float32)
        self._built = False
        if not self.multi_label or num_labels is not None:
            self._build(None if not self.multi_label else (None, num_labels))

    def _build(self, shape):
        n = self.num_thresholds
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. Found rank "
                    f"{len(shape)}. Full shape received for `y_pred`: {tuple(shape)}")
            self._num_labels = int(shape[1])
            vshape = (n, self._num_labels)
        else:
            vshape = (n,)
        self.true_positives = self.add_variable(shape=vshape, name="true_positives")
        self.false_positives = self.add_variable(shape=vshape, name="false_positives")
        self.true_negatives = self.add_variable(shape=vshape, name="true_negatives")
        self.false_negatives = self.add_variable(shape=vshape, name="false_negatives")
        self._built = True

    @property
    def thresholds(self):
        """The thresholds used for evaluating AUC."""
        return list(self._thresholds)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._from_logits:
            yp = _np(y_pred).astype(np.float64)
            y_pred = (1.0 / (1.0 + np.exp(-yp))).astype(np.float32)
        if not self._built:
            self._build(tuple(y_pred.shape) if hasattr(y_pred, "shape")
                        else np.shape(y_pred))
        if self.multi_label:
            return self._update_multi_label(y_true, y_pred, sample_weight)
        update_confusion_matrix_variables(
            {"tp": self.true_positives, "fp": self.false_positives,
             "tn": self.true_negatives, "fn": self.false_negatives},
            y_true, y_pred, self._thr, sample_weight=sample_weight,
            label_weights=None if self.multi_label else self.label_weights)

    def _update_multi_label(self, y_true, y_pred, sample_weight):
        yp = _np(y_pred).astype(np.float32, copy=False)
        yt = _np(y_true)
        yp, yt = _same_rank(yp, yt)
        if yp.ndim != 2 or yp.shape[1] != self._num_labels or yt.shape != yp.shape:
            raise ValueError(
                f"AUC(multi_label=True) expects y_true and y_pred of shape (batch, "
                f"{self._num_labels}); got {yt.shape} and {yp.shape}.")
        w = None
        if sample_weight is not None:
            w = _np(sample_weight).astype(np.float32)
            if w.ndim == 1:
                w = w[:, None]
            w = np.broadcast_to(w, yp.shape)
        n, num_labels = self.num_thresholds, self._num_labels
        acc = np.zeros((4, num_labels, n), np.float32)
        for j in range(num_labels):
            metric_ops.confusion_update_(
                acc[0, j], acc[1, j], acc[2, j], acc[3, j], np.ascontiguousarray(yt[:, j]),
                np.ascontiguousarray(yp[:, j]), self._thr,
                None if w is None else np.ascontiguousarray(w[:, j]))
        for var, a in zip((self.true_positives, self.false_positives, self.true_negatives,
                           self.false_negatives), acc):
            dst = np.asarray(var._c)
            dst += a.T

    def _average_labels(self, by_label):
        if not self.multi_label:
            return _scalar_result(np.sum(by_label, dtype=np.float32))
        by_label = np.sum(by_label, axis=0, dtype=np.float32)
        if self.label_weights is None:
            return _scalar_result(np.mean(by_label))
        lw = self.label_weights
        s = np.sum(lw)
        return _scalar_result(np.sum(by_label * lw) / s if s != 0 else 0.0)

    def interpolate_pr_auc(self):
        """Davis & Goadrich (2006) interpolated PR-AUC, as Keras (float32)."""
        n = self.num_thresholds
        tp = np.asarray(self.true_positives._c)
        fp = np.asarray(self.false_positives._c)
        fn = np.asarray(self.false_negatives._c)
        with np.errstate(divide="ignore", invalid="ignore"):
            dtp = tp[: n - 1] - tp[1:]
            p = tp + fp
            dp = p[: n - 1] - p[1:]
            prec_slope = _div_no_nan(dtp, np.maximum(dp, 0))
            intercept = tp[1:] - prec_slope * p[1:]
            safe_p_ratio = np.where((p[: n - 1] > 0) & (p[1:] > 0),
                                    _div_no_nan(p[: n - 1], np.maximum(p[1:], 0)),
                                    np.ones_like(p[1:]))
            inc = _div_no_nan(prec_slope * (dtp + intercept * np.log(safe_p_ratio)),
                              np.maximum(tp[1:] + fn[1:], 0))
        return self._average_labels(inc)

    def result(self):
        if not self._built:
            return _scalar_result(0.0)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        n = self.num_thresholds
        tp = np.asarray(self.true_positives._c)
        fp = np.asarray(self.false_positives._c)
        tn = np.asarray(self.true_negatives._c)
        fn = np.asarray(self.false_negatives._c)
        recall = _div_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _div_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, _div_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) / np.float32(2.0)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[: n - 1], y[1:])
        else:
            heights = np.maximum(y[: n - 1], y[1:])
        return self._average_labels((x[: n - 1] - x[1:]) * heights)

    def get_config(self):
        config = {
            "name": self.name, "dtype": self.dtype,
            "num_thresholds": self.num_thresholds, "curve": self.curve,
            "summation_method": self.summation_method, "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": None if self.label_weights is None
            else self.label_weights.tolist(),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config


def _div_no_nan(a, b):
    a = np.asarray(a, np.float32)
    b = np.asarray(b, np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(b != 0, a / np.where(b != 0, b, 1), 0)
    return out.astype(np.float32)
