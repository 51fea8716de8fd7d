"""pyfastfit.losses: the Keras 3 losses (classes, functions, `get`, `serialize`)."""

from pyfastfit.losses.loss import (  # noqa: F401
    Loss, LossFunctionWrapper, reduce_weighted_values, squeeze_or_expand_to_same_rank,
    standardize_reduction,
)
from pyfastfit.losses.losses import (  # noqa: F401
    BCE, KLD, MAE, MAPE, MSE, MSLE, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence,
    LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy, SquaredHinge, bce,
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_hinge, cosine_similarity, hinge, huber, kl_divergence, kld,
    kullback_leibler_divergence, log_cosh, logcosh, mae, mape, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse,
    msle, poisson, sparse_categorical_crossentropy, squared_hinge,
)
from pyfastfit.utils import registry

ALL_OBJECTS = (
    Loss, LossFunctionWrapper, KLDivergence, Poisson, BinaryCrossentropy,
    BinaryFocalCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy,
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCosh, Huber, Hinge, SquaredHinge,
    CategoricalHinge,
    kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, sparse_categorical_crossentropy, mean_squared_error,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    cosine_similarity, log_cosh, huber, hinge, squared_hinge, categorical_hinge,
)
ALL_OBJECTS_DICT = {obj.__name__: obj for obj in ALL_OBJECTS}
ALL_OBJECTS_DICT.update({
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "kullback_leibler_divergence": kl_divergence, "logcosh": log_cosh,
})
_MODULE = "keras.losses"


def _custom_objects():
    """The registered custom objects and those of the active `custom_object_scope`s."""
    from pyfastfit.utils import registry as _registry

    return _registry.custom_objects()


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if name in ALL_OBJECTS_DICT:
        return ALL_OBJECTS_DICT[name]
    return _custom_objects().get(name)


def serialize_function(fn):
    """Keras's serialized form of a loss function (its name for built-ins)."""
    name = getattr(fn, "__name__", None)
    if name and ALL_OBJECTS_DICT.get(name) is fn:
        return {"module": _MODULE, "class_name": "function", "config": name,
                "registered_name": "function"}
    if isinstance(fn, Loss):
        return serialize(fn)
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": name}


def deserialize_function(config, custom_objects=None):
    if callable(config):
        return config
    if isinstance(config, str):
        name = config
    elif isinstance(config, dict) and config.get("class_name") == "function":
        name = config["config"]
    elif isinstance(config, dict):
        return deserialize(config, custom_objects)
    else:
        raise ValueError(f"Could not interpret serialized loss function: {config!r}")
    fn = _lookup(name, custom_objects)
    if fn is None:
        raise ValueError(f"Unknown loss function: '{name}'. Please ensure you are using a "
                         "`keras.utils.custom_object_scope` or pass it in `custom_objects`.")
    return fn


def serialize(loss):
    """Returns the Keras 3 serialized dict of a loss instance or built-in loss function.

    Example:

    >>> serialize(MeanSquaredError())["class_name"]
    'MeanSquaredError'
    """
    if loss is None:
        return None
    if isinstance(loss, Loss):
        return registry.serialize_object(loss, _MODULE, ALL_OBJECTS_DICT)
    if callable(loss):
        return serialize_function(loss)
    raise ValueError(f"Could not serialize loss: {loss!r}")


def deserialize(config, custom_objects=None):
    """Builds a loss (instance or function) from `serialize`'s output or a class name."""
    return registry.deserialize_object(config, _lookup, _unknown_message, "loss",
                                       custom_objects, function=deserialize_function)


def _unknown_message(identifier):
    names = sorted(k for k in ALL_OBJECTS_DICT if k not in ("Loss", "LossFunctionWrapper"))
    return (f"Could not interpret loss identifier: {identifier}. "
            f"Valid names are: {', '.join(names)}.")


def get(identifier):
    """Retrieves a loss from a string, a config dict, a class, or a callable.

    Strings name a class (`"MeanSquaredError"` gives an instance) or a function
    (`"mse"`, `"mean_squared_error"`, `"sparse_categorical_crossentropy"` give the
    function), as Keras 3.

    Example:

    >>> get("mse") is mean_squared_error
    True
    """
    return registry.get_object(identifier, _lookup, deserialize, _unknown_message,
                               lambda i: f"Could not interpret loss identifier: {i}")


__all__ = sorted(
    {name for name in ALL_OBJECTS_DICT} | {
        "deserialize", "get", "serialize", "reduce_weighted_values",
        "squeeze_or_expand_to_same_rank", "standardize_reduction",
    }
)
