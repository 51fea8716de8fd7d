"""The `get` / `serialize` / `deserialize` machinery shared by the name registries of
losses, metrics, initializers, regularizers, optimizers and schedules.

Each registry module keeps its own names, lookup order and messages and passes them in;
this module imports nothing from pyfastfit.
"""

import inspect


def custom_objects():
    """The registered custom objects (`"package>Name"` keys) merged with those of the
    active `custom_object_scope`s (`pyfastfit.saving` keeps both)."""
    from pyfastfit.saving import object_registration

    out = dict(object_registration.get_custom_objects())
    out.update(object_registration.scoped_custom_objects())
    return out


def serialize_object(obj, module, builtins=None, key=None):
    """The Keras 3 serialized dict of an object with a `get_config()`.

    Args:
        obj: the object.
        module: the public module of the built-in classes (e.g. `"keras.losses"`).
        builtins: a dict of the built-in classes by name. A class found there as itself
            (under `key(name)`) gets `module` and no registered name; any other class its
            own `__module__` and its class name. `None`: every class gets `module`.
        key: maps a class name to its key in `builtins`. Defaults to the name itself.

    Returns:
        `{"module", "class_name", "config", "registered_name"}`.
    """
    from pyfastfit.saving import object_registration

    cls = type(obj)
    name = cls.__name__
    builtin = builtins is None or builtins.get(key(name) if key else name) is cls
    if builtin:
        return {"module": module, "class_name": name, "config": obj.get_config(),
                "registered_name": None}
    return {"module": None if cls.__module__ == "__main__" else cls.__module__,
            "class_name": name, "config": obj.get_config(),
            "registered_name": object_registration.get_registered_name(cls)}


def deserialize_object(config, lookup, unknown, noun, custom_objects=None, function=None):
    """An object from a name or a Keras serialized dict.

    Args:
        config: a registered name (returned as looked up), or a dict with
            `"class_name"` (and `"config"`, `"registered_name"`): its class is looked up
            by `registered_name`, then by `class_name`, and built with `from_config`.
        lookup: `lookup(name, custom_objects)` -> the registered object or None.
        unknown: `unknown(name)` -> the message of the ValueError for an unknown name.
        noun: what is deserialized, for the message of a config that is not a dict
            ("Could not interpret serialized {noun}: ...").
        custom_objects: optional dict of names to objects, passed to `lookup`.
        function: `function(config, custom_objects)` for dicts whose `class_name` is
            `"function"`; None: they are looked up as classes.
    """
    if isinstance(config, str):
        obj = lookup(config, custom_objects)
        if obj is None:
            raise ValueError(unknown(config))
        return obj
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret serialized {noun}: {config!r}")
    class_name = config["class_name"]
    if class_name == "function" and function is not None:
        return function(config, custom_objects)
    cls = lookup(config.get("registered_name") or class_name, custom_objects)
    if cls is None:
        cls = lookup(class_name, custom_objects)
    if cls is None or not inspect.isclass(cls):
        raise ValueError(unknown(class_name))
    return cls.from_config(dict(config.get("config") or {}))


def class_and_config(config, custom_objects, builtin, unknown):
    """The class and config of a strict serialized dict (optimizers, schedules).

    Args:
        config: a dict with `"class_name"` (and `"config"`, `"registered_name"`).
        custom_objects: optional dict of names to classes, searched first by
            `class_name`, then by `registered_name`.
        builtin: `builtin(class_name)` -> the built-in class or None.
        unknown: `unknown(class_name)` -> the message for an unknown class.

    Returns:
        `(cls, config_dict)`, the dict a copy of `config["config"]`.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(
            "deserialize expects a dict with 'class_name' and 'config'. "
            f"Received: config={config!r}"
        )
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls = custom_objects.get(name) or custom_objects.get(config.get("registered_name")) \
        or builtin(name)
    if cls is None:
        raise ValueError(unknown(name))
    return cls, dict(config.get("config", {}))


def get_object(identifier, lookup, deserialize, unknown, uninterpretable,
               instantiate=inspect.isclass):
    """Keras's `get`: an object from None, a name, a serialized dict or an object.

    Args:
        identifier: None (returns None), a name (`lookup(name)`; an unknown name raises
            `ValueError(unknown(name))`), a dict (`deserialize(dict)`), or an object.
        lookup: `lookup(name)` -> the registered object or None.
        deserialize: `deserialize(dict)` -> an object.
        unknown: `unknown(name)` -> the message for an unknown name.
        uninterpretable: `uninterpretable(identifier)` -> the message when the result
            is not callable.
        instantiate: `instantiate(obj)` -> True for classes to instantiate (with no
            arguments). Defaults to every class.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = lookup(identifier)
        if obj is None:
            raise ValueError(unknown(identifier))
    else:
        obj = identifier
    if callable(obj):
        return obj() if instantiate(obj) else obj
    raise ValueError(uninterpretable(identifier))


def subclass_of(base):
    """An `instantiate` predicate for `get_object`: subclasses of `base`."""
    return lambda obj: isinstance(obj, type) and issubclass(obj, base)


class NameRegistry:
    """The `serialize` / `deserialize` / `get` of a module of named classes
    (initializers, regularizers, constraints), with Keras's messages.

    Args:
        noun: what the objects are, for messages ("constraint").
        module: the Keras module of the built-ins ("keras.constraints").
        names: dict of registered names (snake_case aliases and class names) to classes.
        base: the base class; `get` instantiates a subclass of it given as a class.
        valid: the names listed when `get` gets an unknown name. Defaults to all of
            `names`.
    """

    def __init__(self, noun, module, names, base, valid=None):
        self.noun, self.module, self.names, self.base = noun, module, names, base
        self.valid = sorted(names) if valid is None else valid

    def serialize(self, obj):
        return serialize_object(obj, self.module)

    def _lookup(self, name, custom_objects=None):
        return (custom_objects or {}).get(name) or self.names.get(name) or \
            globals()["custom_objects"]().get(name)

    def deserialize(self, config, custom_objects=None):
        return deserialize_object(
            config, self._lookup, lambda name: f"Unknown {self.noun}: '{name}'. "
            f"Valid names: {sorted(self.names)}", self.noun, custom_objects)

    def get(self, identifier):
        return get_object(
            identifier, self.names.get, self.deserialize,
            lambda i: f"Could not interpret {self.noun} identifier: '{i}'. "
            f"Valid names: {self.valid}",
            lambda i: f"Could not interpret {self.noun} identifier: {i!r}",
            instantiate=subclass_of(self.base))
