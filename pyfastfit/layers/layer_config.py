"""Config helpers of `Layer`: Keras 3's auto-config (a subclass's plain constructor
arguments), build-config shape conversion, and `serialize_layer` / `deserialize_layer`
(which go through `pyfastfit.saving`, imported lazily: layers never import saving at
module level).
"""

import inspect


_UNMODELLED_KEYS = ("quantization_config", "lora_rank", "lora_alpha")
_INIT_ARGS = {}


def _auto_config(cls, args, kwargs):
    names = _INIT_ARGS.get(cls)
    if names is None:
        try:
            names = _INIT_ARGS[cls] = inspect.getfullargspec(cls.__init__).args[1:]
        except TypeError:
            names = _INIT_ARGS[cls] = []
    if len(args) > len(names):
        return None
    config = dict(zip(names, args))
    config.update(kwargs)

    def plain(v):
        if isinstance(v, (list, tuple)):
            return all(plain(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        return v is None or isinstance(v, (str, int, float, bool))

    return config if plain(config) else None


def _jsonable_shape(shape):
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_jsonable_shape(s) for s in shape]
    return list(shape) if shape is not None else None


def _tuple_shape(shape):
    if isinstance(shape, dict):
        return {k: _tuple_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_tuple_shape(s) for s in shape]
    return tuple(shape)


def serialize_layer(layer):
    """Keras 3 config dict of a layer: module, class_name, config, registered_name
    (and build_config). See `pyfastfit.saving.serialize_keras_object`."""
    from pyfastfit.saving import serialization_lib

    return serialization_lib.serialize_keras_object(layer)


def deserialize_layer(config, custom_objects=None):
    """Layer (or model) from `serialize_layer`'s dict; classes are looked up only among
    pyfastfit's layers and models, registered objects and `custom_objects`."""
    from pyfastfit.saving import serialization_lib

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("Could not interpret serialized layer: expected a dict with "
                         f"'class_name' and 'config'. Received: config={config!r}")
    config = dict(config)
    config.setdefault("config", {})
    if config.get("module") is None and config.get("registered_name") is None:
        config["module"] = "keras.layers"  # Keras 2 configs name no module
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)
