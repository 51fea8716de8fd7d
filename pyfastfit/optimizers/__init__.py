"""Optimizers (`keras.optimizers`): SGD, RMSprop, Adam, AdamW, Adagrad, Adamax, Nadam,
learning rate schedules, and `get` / `serialize` / `deserialize`."""

from pyfastfit.optimizers import schedules
from pyfastfit.optimizers.adagrad import Adagrad
from pyfastfit.optimizers.adam import Adam
from pyfastfit.optimizers.adamax import Adamax
from pyfastfit.optimizers.adamw import AdamW
from pyfastfit.optimizers.nadam import Nadam
from pyfastfit.optimizers.optimizer import Optimizer
from pyfastfit.optimizers.rmsprop import RMSprop
from pyfastfit.optimizers.sgd import SGD
from pyfastfit.utils import registry

ALL_OBJECTS = (Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop, SGD)
_BY_NAME = {cls.__name__.lower(): cls for cls in ALL_OBJECTS}


def serialize(optimizer):
    """Serializes an optimizer to the Keras 3 dict form
    (`{"module", "class_name", "config", "registered_name"}`).

    Example:

    >>> optimizers.serialize(optimizers.Adam())["class_name"]
    'Adam'
    """
    if not isinstance(optimizer, Optimizer):
        raise ValueError(
            f"serialize expects an Optimizer instance. Received: optimizer={optimizer!r}"
        )
    return registry.serialize_object(optimizer, "keras.optimizers", _BY_NAME, key=str.lower)


def deserialize(config, custom_objects=None):
    """Creates an optimizer from `serialize`'s output (class names are matched
    case-insensitively for built-ins; `custom_objects` maps names to classes)."""
    cls, cfg = registry.class_and_config(config, custom_objects,
                                         lambda name: _BY_NAME.get(str(name).lower()),
                                         _unknown)
    return cls.from_config(cfg, custom_objects=custom_objects or {})


def _unknown(identifier):
    return (
        f"Could not interpret optimizer identifier: {identifier!r}. Expected an "
        f"Optimizer instance, a config dict, or one of the names: {sorted(_BY_NAME)}."
    )


def get(identifier):
    """Returns an optimizer from a name (`"adam"`, case-insensitive), a config dict or
    an instance (returned as is).

    Example:

    >>> optimizers.get("Adam").learning_rate.numpy()
    array(0.001, dtype=float32)
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower())
        if cls is None:
            raise ValueError(_unknown(identifier))
        return cls()
    raise ValueError(_unknown(identifier))


__all__ = [
    "Adagrad", "Adam", "Adamax", "AdamW", "Nadam", "Optimizer", "RMSprop", "SGD", "deserialize",
    "get", "schedules", "serialize",
]
