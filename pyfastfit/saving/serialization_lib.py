"""Keras 3's object serialization: `serialize_keras_object` / `deserialize_keras_object`.

The config schema is Keras 3's (`module`, `class_name`, `config`, `registered_name`,
`build_config`, `compile_config`). A config is data: classes and functions are looked up
only among pyfastfit's own objects (a `keras.*` module name maps to its pyfastfit
counterpart), registered custom objects and `custom_objects`. In safe mode (the default)
Lambda bytecode and functions of any other module are refused; nothing is imported.
"""

import base64
import inspect
import marshal
import sys
import threading
import types

import numpy as np

from pyfastfit.saving import object_registration

_safe = threading.local()
_UNSAFE_GLOBALLY = [False]

_UNSAFE_HINT = ("If you trust the source of the file, pass `safe_mode=False` to the loading "
                "function, or call `keras.config.enable_unsafe_deserialization()`.")


class SafeModeScope:
    """Sets safe mode (`True` refuses Lambda bytecode and foreign functions) in a block.

    Args:
        safe_mode: `True`, `False`, or `None` to keep the enclosing setting.
    """

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        self._previous = getattr(_safe, "mode", None)
        if self.safe_mode is not None:
            _safe.mode = bool(self.safe_mode)
        return self

    def __exit__(self, *exc):
        _safe.mode = self._previous


def in_safe_mode():
    """Whether loading refuses unsafe content now (default True)."""
    if _UNSAFE_GLOBALLY[0]:
        return False
    mode = getattr(_safe, "mode", None)
    return True if mode is None else mode


def enable_unsafe_deserialization():
    """Disables safe mode globally: Lambda bytecode and functions of other modules load."""
    _UNSAFE_GLOBALLY[0] = True


# --------------------------------------------------------------------- namespaces
_NAMESPACES = {}


def _namespaces():
    """Built-in classes and functions by Keras module family (filled on first use)."""
    if _NAMESPACES:
        return _NAMESPACES
    from pyfastfit import activations, constraints, initializers, layers, losses, metrics
    from pyfastfit import models, ops, optimizers, regularizers
    from pyfastfit.optimizers import schedules

    def classes(mod, base):
        return {k: v for k, v in vars(mod).items()
                if inspect.isclass(v) and issubclass(v, base)}

    layer_ns = classes(layers, layers.Layer)
    model_ns = {"Functional": models.Functional, "Sequential": models.Sequential,
                "Model": models.Model}
    opt_ns = classes(optimizers, optimizers.Optimizer)
    opt_ns.update({k.lower(): v for k, v in list(opt_ns.items())})
    _NAMESPACES.update({
        "layers": {**layer_ns, **model_ns},
        "models": {**model_ns, **layer_ns},
        "losses": dict(losses.ALL_OBJECTS_DICT),
        "metrics": {**metrics.ALL_OBJECTS_DICT, **metrics._FUNCTIONS},
        "optimizers": opt_ns,
        "schedules": classes(schedules, schedules.LearningRateSchedule),
        "initializers": dict(initializers._REGISTRY.names),
        "regularizers": dict(regularizers._REGISTRY.names),
        "constraints": dict(constraints._REGISTRY.names),
        "activations": {k: v for k, v in vars(activations).items()
                        if inspect.isfunction(v) and not k.startswith("_")
                        and k not in ("get", "serialize", "deserialize")},
        "ops": {k: v for k, v in vars(ops).items()
                if callable(v) and not k.startswith("_")},
    })
    return _NAMESPACES


_FAMILY_ORDER = ("layers", "models", "optimizers", "schedules", "initializers",
                 "regularizers", "constraints", "losses", "metrics", "activations")


def _families(module):
    """The namespaces a config's `module` points to (all of them when it says nothing)."""
    if not module:
        return _FAMILY_ORDER
    parts = module.split(".")
    if parts[0] not in ("keras", "tf_keras", "pyfastfit", "tensorflow"):
        return ()
    for family in ("schedules", "layers", "losses", "metrics", "optimizers", "initializers",
                   "regularizers", "constraints", "activations", "ops"):
        if family in parts or (family == "layers" and "legacy" in parts):
            return (family,)
    if parts[-1] in ("keras", "models", "functional", "sequential", "model", "training") \
            or "engine" in parts or "models" in parts:
        return ("models",)
    return _FAMILY_ORDER


def builtin_object(name, module=None):
    """The pyfastfit class or function `name` of a Keras `module` (None if unknown)."""
    spaces = _namespaces()
    for family in _families(module):
        obj = spaces.get(family, {}).get(name)
        if obj is not None:
            return obj
    return None


# --------------------------------------------------------------------- serialize
_PUBLIC = (("layers", "keras.layers"), ("losses", "keras.losses"),
           ("metrics", "keras.metrics"), ("optimizers", "keras.optimizers"),
           ("schedules", "keras.optimizers.schedules"),
           ("initializers", "keras.initializers"), ("regularizers", "keras.regularizers"),
           ("constraints", "keras.constraints"))


def _public_module(cls):
    spaces = _namespaces()
    if cls.__name__ in ("Functional", "Sequential", "Model") and \
            spaces["models"].get(cls.__name__) is cls:
        # Keras 3 writes Functional under its source module (not exported as a class)
        return "keras.src.models.functional" if cls.__name__ == "Functional" else "keras"
    for family, module in _PUBLIC:
        ns = spaces[family]
        if ns.get(cls.__name__) is cls or (family == "optimizers" and
                                           ns.get(cls.__name__.lower()) is cls):
            return module
    return None


def _serialize_function(fn):
    if getattr(fn, "__name__", None) == "<lambda>":
        closure = tuple(c.cell_contents for c in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__", "config": {
            "code": base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii"),
            "defaults": serialize_keras_object(fn.__defaults__),
            "closure": serialize_keras_object(closure)}}
    name = fn.__name__
    spaces = _namespaces()
    for family, module in (("losses", "keras.losses"), ("metrics", "keras.metrics"),
                           ("activations", "keras.activations")):
        if spaces[family].get(name) is fn:
            return {"module": module, "class_name": "function", "config": name,
                    "registered_name": "function"}
    module = fn.__module__
    registered = object_registration.get_registered_name(fn)
    return {"module": None if module == "__main__" else module, "class_name": "function",
            "config": name, "registered_name": registered}


def serialize_keras_object(obj):
    """The Keras 3 JSON-friendly form of `obj` (layer, model, loss, metric, optimizer,
    schedule, initializer, regularizer, constraint, function, array or plain value).

    Example:

    >>> serialize_keras_object(keras.layers.Dense(2))["class_name"]
    'Dense'
    """
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (np.bool_, np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, np.ndarray):
        return {"class_name": "__numpy__",
                "config": {"value": obj.tolist(), "dtype": str(obj.dtype)}}
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, tuple):
        return {"class_name": "__tuple__",
                "config": {"value": [serialize_keras_object(x) for x in obj]}}
    if isinstance(obj, dict):
        return {str(k): serialize_keras_object(v) for k, v in obj.items()}
    if isinstance(obj, types.FunctionType):
        return _serialize_function(obj)
    if inspect.isclass(obj):
        return {"module": obj.__module__, "class_name": "__class__",
                "config": object_registration.get_registered_name(obj),
                "registered_name": object_registration.get_registered_name(obj)}
    if not hasattr(obj, "get_config"):
        raise TypeError(f"Cannot serialize {obj!r}: it has no `get_config()` method.")
    cls = type(obj)
    try:
        inner = obj.get_config()
    except _MissingConfig:
        raise  # a nested object's own message names it
    except NotImplementedError as e:
        raise _MissingConfig(
            f"Object {obj!r} of class {cls.__name__} does not implement `get_config()`, "
            "which is needed to save it. Implement `get_config()` (returning the "
            "constructor arguments) in your class.") from e
    if isinstance(inner, dict):
        inner = _with_init_arguments(obj, inner)
    inner = serialize_keras_object(inner) if not isinstance(inner, dict) else {
        k: _ser_value(v) for k, v in inner.items()}
    module = _public_module(cls)
    if module is not None:
        out = {"module": module, "class_name": cls.__name__, "config": inner,
               "registered_name": "Functional" if cls.__name__ == "Functional" else None}
    else:
        base = cls.__bases__[0]
        if base.__name__ == cls.__name__ and base in object_registration._GLOBAL_CUSTOM_NAMES:
            cls = base  # the Functional twin Model.__init__ makes of a Model subclass
        module = cls.__module__
        out = {"module": None if module == "__main__" else module,
               "class_name": cls.__name__, "config": inner,
               "registered_name": object_registration.get_registered_name(cls)}
    if hasattr(obj, "get_build_config"):
        build_config = obj.get_build_config()
        if build_config is not None:
            out["build_config"] = _ser_value(build_config)
    if hasattr(obj, "get_compile_config"):
        compile_config = obj.get_compile_config()
        if compile_config is not None:
            out["compile_config"] = serialize_keras_object(compile_config)
    return out


class _MissingConfig(NotImplementedError):
    """An object cannot be saved because it lacks a usable `get_config()`."""


def _with_init_arguments(obj, config):
    """`config` plus the constructor arguments of a layer subclass that takes arguments
    its inherited `get_config()` does not return (Keras's auto-config); a clear error
    when they are not plain values, instead of a file that loads with defaults."""
    from pyfastfit.layers.layer import Layer

    cls = type(obj)
    if not isinstance(obj, Layer):
        return config
    owner_config = next(k for k in cls.__mro__ if "get_config" in k.__dict__)
    owner_init = next(k for k in cls.__mro__ if "__init__" in k.__dict__)
    if owner_init is owner_config or not issubclass(owner_init, owner_config):
        return config
    params = inspect.signature(cls.__init__).parameters
    missing = [n for n, p in list(params.items())[1:]
               if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and n not in config]
    if not missing:
        return config
    auto = obj.__dict__.get("_auto_config")
    if auto is None:
        raise _MissingConfig(
            f"Layer {cls.__name__} has arguments {missing} in `__init__()` and therefore "
            "must override `get_config()` to be saved (its arguments are not all plain "
            "values that could be recorded automatically).")
    config = dict(config)
    config.update({k: v for k, v in auto.items() if k in params})
    return config


def _ser_value(v):
    # Configs keep plain lists and tuples as JSON lists (get_config values are shapes,
    # axes, names): only objects inside are serialized.
    if isinstance(v, (list, tuple)):
        return [_ser_value(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _ser_value(x) for k, x in v.items()}
    return serialize_keras_object(v)


# --------------------------------------------------------------------- deserialize
def _locate_error(config):
    name = config.get("class_name")
    return TypeError(
        f"Could not locate class '{name}'. Make sure custom classes and functions are "
        "decorated with `@keras.saving.register_keras_serializable()`, or pass them to "
        "the loading function in `custom_objects`. Full object config: "
        f"{_short(config)}")


def _short(config, limit=2000):
    text = repr(config)
    return text if len(text) <= limit else text[:limit] + "..."


def _custom_lookup(config, custom_objects):
    for key in (config.get("registered_name"), config.get("class_name")):
        if isinstance(key, str):
            obj = object_registration.get_registered_object(key, custom_objects)
            if obj is not None:
                return obj
    return None


def retrieve_class(config, custom_objects=None):
    """The class a serialized dict names: registered or custom objects first, then
    pyfastfit's built-ins of the Keras module it names. Raises TypeError if none."""
    cls = _custom_lookup(config, custom_objects)
    if cls is None:
        name = config.get("class_name")
        module = config.get("module")
        cls = builtin_object(name, module) if isinstance(name, str) else None
        if cls is None and isinstance(name, str) and isinstance(module, str) and \
                module.split(".")[0] in ("keras", "tf_keras", "tensorflow"):
            cls = builtin_object(name, None)  # a Keras path of another version
    if cls is None or not inspect.isclass(cls):
        raise _locate_error(config)
    return cls


def retrieve_function(config, custom_objects=None):
    """The function a `{"class_name": "function"}` dict names (safe-mode checked)."""
    name = config.get("config")
    if not isinstance(name, str):
        raise ValueError(f"Could not interpret serialized function: {_short(config)}")
    fn = _custom_lookup({"registered_name": config.get("registered_name"),
                         "class_name": name}, custom_objects)
    if fn is not None:
        return fn
    module = config.get("module")
    families = _families(module) if module else ("losses", "metrics", "activations")
    spaces = _namespaces()
    for family in families:
        fn = spaces.get(family, {}).get(name)
        if fn is not None and callable(fn):
            return fn
    if isinstance(module, str) and module.split(".")[0] == "pyfastfit":
        fn = getattr(sys.modules.get(module), name, None)  # already imported: no import
        if callable(fn):
            return fn
    if module and module.split(".")[0] not in ("keras", "pyfastfit", "tf_keras"):
        if in_safe_mode():
            raise ValueError(
                f"Requested the deserialization of the function '{name}' of module "
                f"'{module}', which is neither part of pyfastfit nor registered. Loading "
                "it would import that module, so it is refused in safe mode. Register it "
                "with `@keras.saving.register_keras_serializable()` or pass it in "
                f"`custom_objects`. {_UNSAFE_HINT}")
        import importlib

        fn = getattr(importlib.import_module(module), name, None)
        if callable(fn):
            return fn
    raise ValueError(
        f"Could not locate function '{name}'. Make sure custom functions are decorated "
        "with `@keras.saving.register_keras_serializable()`, or pass them in "
        f"`custom_objects`. Full object config: {_short(config)}")


def load_lambda(config):
    """A Python lambda from its serialized bytecode; refused in safe mode."""
    if in_safe_mode():
        raise ValueError(
            "Requested the deserialization of a Python lambda (its bytecode is stored in "
            "the file). This carries a potential risk of arbitrary code execution and "
            f"thus it is disallowed by default. {_UNSAFE_HINT}")
    inner = config.get("config") or {}
    if "value" in inner and "code" not in inner:  # Keras 3 generic lambda form
        value = inner["value"]
        inner = {"code": value[0], "defaults": value[1], "closure": value[2]}
    code = marshal.loads(base64.b64decode(inner["code"]))
    defaults = deserialize_keras_object(inner.get("defaults"))
    closure = deserialize_keras_object(inner.get("closure"))
    cells = None
    if closure:
        cells = tuple(types.CellType(c) for c in closure)
    import pyfastfit
    from pyfastfit import ops

    # Names a lambda commonly refers to (`keras.ops.relu(x)`, `ops.sum(x)`) and the
    # custom objects in scope, as Keras's Lambda globals.
    globs = {"__builtins__": __builtins__, "keras": pyfastfit, "pyfastfit": pyfastfit,
             "ops": ops, **object_registration.scoped_custom_objects()}
    return types.FunctionType(code, globs, None,
                              tuple(defaults) if defaults else None, cells)


def deserialize_keras_object(config, custom_objects=None, safe_mode=None, **kwargs):
    """The object a `serialize_keras_object` dict (or plain value) describes.

    Args:
        config: the serialized form.
        custom_objects: dict of names to custom classes or functions.
        safe_mode: `True` refuses Lambda bytecode and functions outside pyfastfit and
            the registered objects; `None` keeps the enclosing setting (default True).

    Example:

    >>> layer = deserialize_keras_object(serialize_keras_object(keras.layers.Dense(2)))
    """
    with SafeModeScope(safe_mode), object_registration.CustomObjectScope(custom_objects):
        return _deserialize(config, custom_objects, kwargs.get("compile", True))


def _deserialize(config, custom_objects, compile_model):
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, (list, tuple)):
        return [_deserialize(x, custom_objects, compile_model) for x in config]
    if not isinstance(config, dict):
        raise TypeError(f"Could not parse config: {_short(config)}")
    if "class_name" not in config or "config" not in config:
        return {k: _deserialize(v, custom_objects, compile_model) for k, v in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(_deserialize(x, custom_objects, compile_model) for x in inner["value"])
    if class_name in ("__numpy__", "__tensor__"):
        return np.array(inner["value"], dtype=inner.get("dtype"))
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        return load_lambda(config)
    if class_name == "function":
        return retrieve_function(config, custom_objects)
    if class_name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        return (inner or {}).get("name", "float32")
    if class_name == "__keras_tensor__":
        raise ValueError("A symbolic tensor can only be deserialized inside a Functional "
                         f"model's config. Received: {_short(config)}")
    cls = retrieve_class(config, custom_objects)
    if not hasattr(cls, "from_config"):
        raise TypeError(f"Class '{cls.__name__}' has no `from_config()` method; it cannot "
                        "be deserialized.")
    params = inspect.signature(cls.from_config).parameters
    try:
        if "custom_objects" in params:
            obj = cls.from_config(inner, custom_objects=custom_objects)
        else:
            obj = cls.from_config(inner)
    except TypeError as e:
        raise TypeError(
            f"{cls.__name__}.from_config() could not rebuild the object from its config. "
            f"Exception encountered: {e}. Config: {_short(inner)}") from e
    build_config = config.get("build_config")
    if build_config and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        obj.build_from_config(build_config)
    compile_config = config.get("compile_config")
    if compile_config and compile_model and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(compile_config)
    return obj
