"""Saving and loading (`keras.saving`): the `.keras` format of Keras 3, weights files,
object serialization and the registry of custom objects."""

from pyfastfit.saving.object_registration import (
    CustomObjectScope, custom_object_scope, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable,
)
from pyfastfit.saving.saving_api import load_model, load_weights, save_model, save_weights
from pyfastfit.saving.serialization_lib import (
    SafeModeScope, deserialize_keras_object, enable_unsafe_deserialization, in_safe_mode,
    serialize_keras_object,
)

# Keras 2 name of the decorator.
register_serializable = register_keras_serializable

__all__ = [
    "CustomObjectScope", "SafeModeScope", "custom_object_scope", "deserialize_keras_object",
    "enable_unsafe_deserialization", "get_custom_objects", "get_registered_name",
    "get_registered_object", "in_safe_mode", "load_model", "load_weights",
    "register_keras_serializable", "register_serializable", "save_model", "save_weights",
    "serialize_keras_object",
]
