"""Registration of custom objects (`register_keras_serializable`, `custom_object_scope`).

A registered class is found by the loader under its registered name
(`"package>Name"`); nothing else outside pyfastfit is ever looked up by a loader.
This module imports nothing from pyfastfit.
"""

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS = {}
_GLOBAL_CUSTOM_NAMES = {}
_scopes = threading.local()


def _scope_stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


class CustomObjectScope:
    """Exposes custom classes and functions to deserialization inside a `with` block.

    Args:
        custom_objects: dict mapping names (strings) to custom classes or functions
            (several dicts may be given).

    Example:

    ```python
    with keras.saving.custom_object_scope({"MyLayer": MyLayer}):
        model = keras.saving.load_model("model.keras")
    ```
    """

    def __init__(self, custom_objects=None, *more):
        objects = {}
        for d in (custom_objects, *more):
            if d is None:
                continue
            if not isinstance(d, dict):
                raise TypeError("`custom_objects` must be a dict of names to objects. "
                                f"Received: custom_objects={d!r}")
            objects.update(d)
        self.custom_objects = objects

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        stack = _scope_stack()
        if stack and stack[-1] is self.custom_objects:
            stack.pop()
        else:  # exited out of order: remove our entry only
            for i in range(len(stack) - 1, -1, -1):
                if stack[i] is self.custom_objects:
                    del stack[i]
                    break


custom_object_scope = CustomObjectScope


def scoped_custom_objects():
    """The objects of the active `custom_object_scope`s (innermost last wins)."""
    out = {}
    for d in _scope_stack():
        out.update(d)
    return out


def get_custom_objects():
    """The global dict of registered custom objects (`"package>Name"` -> object).

    Updating it registers objects, as in Keras.

    Example:

    ```python
    keras.saving.get_custom_objects()["MyLayer"] = MyLayer
    ```
    """
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Registers a class or function under `"package>name"` for loading.

    Args:
        package: the package part of the registered name. Defaults to `"Custom"`.
        name: the name part. Defaults to the class or function's `__name__`.

    Example:

    ```python
    @keras.saving.register_keras_serializable(package="my_package")
    class MyLayer(keras.layers.Layer):
        ...
    ```
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError("`package` must be a string without '>'. "
                         f"Received: package={package!r}")

    def decorator(arg):
        class_name = name if name is not None else getattr(arg, "__name__", None)
        if not class_name:
            raise ValueError("Cannot register an object without a `__name__`; pass `name=`. "
                             f"Received: {arg!r}")
        registered_name = f"{package}>{class_name}"
        if inspect.isclass(arg) and not hasattr(arg, "get_config"):
            raise ValueError("Cannot register a class that does not have a get_config() "
                             f"method. Received: {arg!r}")
        _GLOBAL_CUSTOM_OBJECTS[registered_name] = arg
        _GLOBAL_CUSTOM_NAMES[arg] = registered_name
        return arg

    return decorator


def get_registered_name(obj):
    """The name `obj` is registered under (`"package>Name"`), else its `__name__`."""
    if obj in _GLOBAL_CUSTOM_NAMES:
        return _GLOBAL_CUSTOM_NAMES[obj]
    return getattr(obj, "__name__", None)


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object registered or given under `name`, or None.

    Looks in the active `custom_object_scope`s, then the global registry, then
    `custom_objects`, then `module_objects`.
    """
    scoped = scoped_custom_objects()
    if name in scoped:
        return scoped[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None
