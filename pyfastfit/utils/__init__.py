"""Utilities, as `keras.utils`: `to_categorical`, `normalize`, `set_random_seed`,
`PyDataset`/`Sequence`, `get_file`, `pad_sequences`, `plot_model`, `Progbar`."""

import importlib

from pyfastfit.utils.numerical_utils import normalize, to_categorical
from pyfastfit.utils.py_dataset import PyDataset, Sequence
from pyfastfit.utils.rng_utils import set_random_seed
from pyfastfit.utils.sequence_utils import pad_sequences

# Names imported on first use: name -> (module, attribute).
_LAZY = {
    "get_file": ("pyfastfit.utils.file_utils", "get_file"),
    "plot_model": ("pyfastfit.utils.model_visualization", "plot_model"),
    "model_to_dot_source": ("pyfastfit.utils.model_visualization", "model_to_dot_source"),
    "Progbar": ("pyfastfit.utils.progbar", "Progbar"),
    "timeseries_dataset_from_array": ("pyfastfit.utils.timeseries_dataset",
                                      "timeseries_dataset_from_array"),
}
_LAZY.update({name: ("pyfastfit.trainers.data_adapters", name) for name in (
    "pack_x_y_sample_weight", "unpack_x_y_sample_weight")})
# keras.utils re-exports these of keras.saving.
_LAZY.update({name: ("pyfastfit.saving", name) for name in (
    "serialize_keras_object", "deserialize_keras_object", "register_keras_serializable",
    "get_registered_name", "get_registered_object", "get_custom_objects",
    "custom_object_scope", "CustomObjectScope")})


def __getattr__(name):
    if name in _LAZY:
        mod_name, attr = _LAZY[name]
        try:
            value = getattr(importlib.import_module(mod_name), attr)
        except ModuleNotFoundError as e:
            if e.name != mod_name:
                raise
            raise AttributeError(
                f"module 'pyfastfit.utils' has no attribute {name!r} ({mod_name} is missing)"
            ) from None
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pyfastfit.utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["PyDataset", "Progbar", "Sequence", "get_file", "normalize", "pad_sequences", "plot_model",
           "set_random_seed", "timeseries_dataset_from_array", "to_categorical",
           "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]
__all__ += ["CustomObjectScope", "custom_object_scope", "deserialize_keras_object",
            "get_custom_objects", "get_registered_name", "get_registered_object",
            "register_keras_serializable", "serialize_keras_object"]
