"""Regression, probabilistic and hinge metrics: mean metrics over the loss functions
(keras/src/metrics/{regression,probabilistic,hinge}_metrics.py, Keras 3)."""

from pyfastfit import losses, ops
from pyfastfit.metrics.reduction_metrics import Mean, MeanMetricWrapper
from pyfastfit.ops import _metrics as metric_ops


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine similarity `sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`."""
    return ops.negative(losses.cosine_similarity(y_true, y_pred, axis=axis))


class _Wrapper(MeanMetricWrapper):
    _fn = None
    _default = None
    _keys = ()

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype}
        config.update({k: self._fn_kwargs[k] for k in self._keys})
        return config


_DEFAULTS = {"from_logits": False, "label_smoothing": 0, "axis": -1}


def _make(class_name, fn, default_name, keys=(), doc=""):
    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(keys)
        if unknown:
            raise TypeError(f"{class_name} got unexpected arguments: {sorted(unknown)}")
        kwargs = {**{k: _DEFAULTS[k] for k in keys}, **kwargs}
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **kwargs)
        self._direction = "down"

    cls = type(class_name, (_Wrapper,), {"__init__": __init__, "_keys": tuple(keys),
                                         "__doc__": doc, "__module__": __name__})
    return cls


MeanSquaredError = _make(
    "MeanSquaredError", losses.mean_squared_error, "mean_squared_error",
    doc="Mean of `mean(square(y_true - y_pred), axis=-1)` over all samples seen.")
MeanAbsoluteError = _make(
    "MeanAbsoluteError", losses.mean_absolute_error, "mean_absolute_error",
    doc="Mean of `mean(abs(y_true - y_pred), axis=-1)` over all samples seen.")
MeanAbsolutePercentageError = _make(
    "MeanAbsolutePercentageError", losses.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
    doc="Mean absolute percentage error over all samples seen.")
MeanSquaredLogarithmicError = _make(
    "MeanSquaredLogarithmicError", losses.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
    doc="Mean squared logarithmic error over all samples seen.")
LogCoshError = _make("LogCoshError", losses.log_cosh, "logcosh",
                     doc="Mean of `log(cosh(y_pred - y_true))` over all samples seen.")
KLDivergence = _make("KLDivergence", losses.kl_divergence, "kl_divergence",
                     doc="Mean Kullback-Leibler divergence over all samples seen.")
Poisson = _make("Poisson", losses.poisson, "poisson",
                doc="Mean Poisson loss over all samples seen.")
Hinge = _make("Hinge", losses.hinge, "hinge", doc="Mean hinge loss over all samples seen.")
SquaredHinge = _make("SquaredHinge", losses.squared_hinge, "squared_hinge",
                     doc="Mean squared hinge loss over all samples seen.")
CategoricalHinge = _make("CategoricalHinge", losses.categorical_hinge, "categorical_hinge",
                         doc="Mean categorical hinge loss over all samples seen.")
BinaryCrossentropy = _make(
    "BinaryCrossentropy", losses.binary_crossentropy, "binary_crossentropy",
    keys=("from_logits", "label_smoothing"),
    doc="Mean binary cross-entropy over all samples seen "
        "(args: name, dtype, from_logits=False, label_smoothing=0).")
CategoricalCrossentropy = _make(
    "CategoricalCrossentropy", losses.categorical_crossentropy, "categorical_crossentropy",
    keys=("from_logits", "label_smoothing", "axis"),
    doc="Mean categorical cross-entropy over all samples seen "
        "(args: name, dtype, from_logits=False, label_smoothing=0, axis=-1).")
SparseCategoricalCrossentropy = _make(
    "SparseCategoricalCrossentropy", losses.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy", keys=("from_logits", "axis"),
    doc="Mean sparse categorical cross-entropy over all samples seen "
        "(args: name, dtype, from_logits=False, axis=-1).")


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions (1 = same direction).

    Args:
        name: defaults to `"cosine_similarity"`.
        dtype: see `Metric`.
        axis: the axis along which the similarity is computed. Defaults to -1.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name=name, dtype=dtype, axis=axis)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self._fn_kwargs["axis"]}


class RootMeanSquaredError(Mean):
    """`sqrt(mean(square(y_true - y_pred)))` over all values seen.

    Args:
        name: defaults to `"root_mean_squared_error"`.
        dtype: see `Metric`.

    Example:

    >>> m = keras.metrics.RootMeanSquaredError()
    >>> m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
    >>> float(m.result())
    0.5
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        metric_ops.mean_update_(self.total, self.count,
                                metric_ops.squared_error(y_true, y_pred), sample_weight)

    def result(self):
        return metric_ops.root_mean_result(self.total, self.count)
