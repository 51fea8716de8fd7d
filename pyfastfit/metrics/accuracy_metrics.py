"""Accuracy metrics (keras/src/metrics/accuracy_metrics.py, Keras 3). `update_state` is
one fused C++ call that adds the weighted count of correct predictions and the weight
sum to the metric's (total, count) Variables."""

from pyfastfit.metrics.reduction_metrics import MeanMetricWrapper
from pyfastfit.ops import _metrics as metric_ops


def _prepare(kind, y_true, y_pred, name):
    """`(y_true, y_pred, items_shape)` checked and aligned for `kind` (`_C` tensors; see
    `ops._metrics.accuracy_inputs`). `name` (the function's or metric's) is used in the
    messages."""
    return metric_ops.accuracy_inputs(kind, y_true, y_pred, name)


def _update(metric, y_true, y_pred, items_shape, sample_weight, kind, threshold=0.5, k=5):
    w = None if sample_weight is None else metric_ops.samplewise_weights(items_shape,
                                                                         sample_weight)
    metric_ops.accuracy_update_(metric.total, metric.count, y_true, y_pred, w, kind,
                                threshold, k)


def _matches(y_true, y_pred, items_shape, kind, threshold=0.5, k=5):
    """The per-item match values (0/1) of `kind`, as a float32 Tensor of `items_shape`
    (the stateless functions; the fused update's rules, computed in C++)."""
    return metric_ops.accuracy_matches(y_true, y_pred, kind, threshold, k)


# ----------------------------------------------------------------------------- functions
def accuracy(y_true, y_pred):
    """Elementwise `y_true == y_pred` as float32."""
    return _matches(*_prepare("exact", y_true, y_pred, "accuracy"), "exact")


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Elementwise `y_true == (y_pred > threshold)` as float32."""
    return _matches(*_prepare("binary", y_true, y_pred, "binary_accuracy"), "binary",
                    threshold=threshold)


def categorical_accuracy(y_true, y_pred):
    """Per-sample `argmax(y_true) == argmax(y_pred)` as float32."""
    return _matches(*_prepare("categorical", y_true, y_pred, "categorical_accuracy"),
                    "categorical")


def sparse_categorical_accuracy(y_true, y_pred):
    """Per-sample `y_true == argmax(y_pred)` as float32."""
    return _matches(*_prepare("sparse", y_true, y_pred, "sparse_categorical_accuracy"),
                    "sparse")


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per-sample: is `argmax(y_true)` among the `k` highest predictions."""
    return _matches(*_prepare("top_k", y_true, y_pred, "top_k_categorical_accuracy"),
                    "top_k", k=k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Per-sample: is the integer label among the `k` highest predictions."""
    return _matches(*_prepare("sparse_top_k", y_true, y_pred,
                              "sparse_top_k_categorical_accuracy"), "sparse_top_k", k=k)


# ------------------------------------------------------------------------------- classes
class _AccuracyMetric(MeanMetricWrapper):
    """A mean of matches whose `update_state` is one fused `accuracy_update_` call of
    `_kind` (with the metric's `threshold` / `k`); its config is name, dtype and the
    attributes in `_config_keys`."""

    _kind = None
    _config_keys = ()

    def __init__(self, fn, name, dtype, **kwargs):
        super().__init__(fn=fn, name=name, dtype=dtype, **kwargs)
        self._direction = "up"

    def update_state(self, y_true, y_pred, sample_weight=None):
        yt, yp, items_shape = _prepare(self._kind, y_true, y_pred, self.name)
        _update(self, yt, yp, items_shape, sample_weight, self._kind,
                threshold=getattr(self, "threshold", 0.5), k=getattr(self, "k", 5))

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({key: getattr(self, key) for key in self._config_keys})
        return config


class Accuracy(_AccuracyMetric):
    """How often predictions equal labels.

    Args:
        name: defaults to `"accuracy"`.
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.Accuracy()
    >>> m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    >>> float(m.result())
    0.75
    """

    _kind = "exact"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_AccuracyMetric):
    """How often predictions match binary labels (prediction > `threshold` is 1).

    Args:
        name: defaults to `"binary_accuracy"`.
        dtype: see `Metric`.
        threshold: decision threshold. Defaults to 0.5.

    Example:

    >>> m = keras.metrics.BinaryAccuracy()
    >>> m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    >>> float(m.result())
    0.75
    """

    _kind = "binary"
    _config_keys = ("threshold",)

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        if threshold is not None and (threshold <= 0 or threshold >= 1):
            raise ValueError(
                "Invalid value for argument `threshold`. Expected a value in interval "
                f"(0, 1). Received: threshold={threshold}")
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(_AccuracyMetric):
    """How often `argmax(y_pred)` equals `argmax(y_true)` (one-hot labels).

    Args:
        name: defaults to `"categorical_accuracy"`.
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    _kind = "categorical"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_AccuracyMetric):
    """How often `argmax(y_pred)` equals the integer label.

    Args:
        name: defaults to `"sparse_categorical_accuracy"`.
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    >>> float(m.result())
    0.5
    """

    _kind = "sparse"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_AccuracyMetric):
    """How often the one-hot target is among the top `k` predictions.

    Args:
        k: number of top elements to look at. Defaults to 5.
        name: defaults to `"top_k_categorical_accuracy"`.
        dtype: see `Metric`.
    """

    _kind = "top_k"
    _config_keys = ("k",)

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(_AccuracyMetric):
    """How often the integer target is among the top `k` predictions.

    Args:
        k: number of top elements to look at. Defaults to 5.
        name: defaults to `"sparse_top_k_categorical_accuracy"`.
        dtype: see `Metric`.
        from_sorted_ids: only `False` is supported.
    """

    _kind = "sparse_top_k"
    _config_keys = ("k", "from_sorted_ids")

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        if from_sorted_ids:
            raise ValueError("from_sorted_ids=True is not supported by pyfastfit. "
                             "Received: from_sorted_ids=True")
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
