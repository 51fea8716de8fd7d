"""pyfastfit.metrics: the Keras 3 metrics (classes, functions, `get`, `serialize`)."""

from pyfastfit.metrics.accuracy_metrics import (  # noqa: F401
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, TopKCategoricalAccuracy, accuracy, binary_accuracy,
    categorical_accuracy, sparse_categorical_accuracy, sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from pyfastfit.metrics.confusion_metrics import (  # noqa: F401
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
)
from pyfastfit.metrics.metric import Metric  # noqa: F401
from pyfastfit.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum  # noqa: F401
from pyfastfit.metrics.regression_metrics import (  # noqa: F401
    BinaryCrossentropy, CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge,
    KLDivergence, LogCoshError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredError, MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError,
    SparseCategoricalCrossentropy, SquaredHinge,
)
from pyfastfit.losses.losses import (  # noqa: F401  (keras.metrics re-exports these)
    binary_crossentropy, categorical_crossentropy, categorical_hinge, hinge, kl_divergence,
    log_cosh, mean_absolute_error, mean_absolute_percentage_error, mean_squared_error,
    mean_squared_logarithmic_error, poisson, sparse_categorical_crossentropy, squared_hinge,
)
from pyfastfit.utils import registry

_MODULE = "keras.metrics"

ALL_OBJECTS = (
    Metric, Mean, Sum, MeanMetricWrapper,
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
    TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, RootMeanSquaredError, CosineSimilarity, LogCoshError,
    BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    KLDivergence, Poisson, Hinge, SquaredHinge, CategoricalHinge,
)


def _snake(name):
    from pyfastfit.losses.loss import _to_snake_case

    return _to_snake_case(name)


ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({_snake(cls.__name__): cls for cls in ALL_OBJECTS})
ALL_OBJECTS_DICT.update({
    "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
    "kld": KLDivergence, "KLD": KLDivergence, "kl_divergence": KLDivergence,
    "logcosh": LogCoshError, "rmse": RootMeanSquaredError, "auc": AUC,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy,
})
# Stateless metric functions, for `fn` configs of MeanMetricWrapper.
_FUNCTIONS = {f.__name__: f for f in (
    accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    top_k_categorical_accuracy, sparse_top_k_categorical_accuracy)}


def _deserialize_fn(config):
    if callable(config):
        return config
    name = config.get("config") if isinstance(config, dict) else config
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    from pyfastfit.losses import deserialize_function

    return deserialize_function(config)


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    from pyfastfit.losses import _custom_objects

    return ALL_OBJECTS_DICT.get(name) or _FUNCTIONS.get(name) or _custom_objects().get(name)


def _unknown_message(identifier):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in ("Metric", "metric"))
    return (f"Could not interpret metric identifier: {identifier}. "
            f"Valid names are: {', '.join(names)}.")


def serialize(metric):
    """The Keras 3 serialized dict of a metric instance (or a built-in function).

    Example:

    >>> serialize(Mean())["class_name"]
    'Mean'
    """
    if metric is None:
        return None
    if isinstance(metric, Metric):
        return registry.serialize_object(metric, _MODULE, ALL_OBJECTS_DICT)
    name = getattr(metric, "__name__", None)
    if name in _FUNCTIONS:
        return {"module": _MODULE, "class_name": "function", "config": name,
                "registered_name": "function"}
    from pyfastfit.losses import serialize_function

    return serialize_function(metric)


def deserialize(config, custom_objects=None):
    """Builds a metric from `serialize`'s output (or a name)."""
    return registry.deserialize_object(config, _lookup, _unknown_message, "metric",
                                       custom_objects,
                                       function=lambda c, _: _deserialize_fn(c))


def get(identifier):
    """Retrieves a metric from a string, a config dict, a class, or a callable.

    Strings name a class in CamelCase or snake_case (`"AUC"`, `"auc"`,
    `"sparse_categorical_accuracy"`, `"binary_crossentropy"`, `"mse"`) and give a fresh
    instance. (`"accuracy"`/`"acc"` resolution by loss is done by `compile`.)

    Example:

    >>> get("sparse_categorical_accuracy").name
    'sparse_categorical_accuracy'
    """
    return registry.get_object(identifier, _lookup, deserialize, _unknown_message,
                               lambda i: f"Could not interpret metric identifier: {i}")


__all__ = sorted({cls.__name__ for cls in ALL_OBJECTS} | set(_FUNCTIONS) | {
    "binary_crossentropy", "categorical_crossentropy", "categorical_hinge", "hinge",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "sparse_categorical_crossentropy", "squared_hinge", "deserialize", "get", "serialize",
})
