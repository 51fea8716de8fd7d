"""Lambda: wraps an arbitrary function of tensors as a layer."""

import base64
import marshal
import types

from pyfastfit.layers.layer import Layer


class Lambda(Layer):
    """Wraps `function(inputs, **arguments)` as a layer (no weights).

    Args:
        function: the function to apply.
        output_shape: optional output shape (or function of the input shape).
        arguments: optional dict of keyword arguments passed to `function`.

    Serialising a Lambda stores the function's bytecode; loading it back requires
    `safe_mode=False`, as in Keras.

    Example:

    >>> keras.layers.Lambda(lambda x: x * 2)(np.ones((1, 2)))
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise ValueError(f"`function` must be callable. Received: function={function!r}")
        self.function = function
        self._output_shape = output_shape
        self.arguments = arguments or {}
        self.built = True

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:  # inferred from a symbolic call instead
            raise NotImplementedError(
                f"Lambda layer '{self.name}' has no `output_shape`; its output shape is "
                "inferred by calling it.")
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        shape = tuple(self._output_shape)
        batch = input_shape[0] if isinstance(input_shape, tuple) and input_shape else None
        return (batch,) + shape

    def get_config(self):
        config = super().get_config()
        fn = self.function
        if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>" or \
                getattr(fn, "__closure__", None):
            code = base64.b64encode(marshal.dumps(fn.__code__)).decode("ascii")
            config["function"] = {"class_name": "__lambda__",
                                  "config": {"code": code, "defaults": fn.__defaults__,
                                             "closure": None}}
        else:
            config["function"] = {"class_name": "function", "config": fn.__name__,
                                  "module": fn.__module__}
        config["arguments"] = self.arguments
        if self._output_shape is not None and not callable(self._output_shape):
            config["output_shape"] = list(self._output_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        config = dict(config)
        fn = config.pop("function")
        if isinstance(fn, dict) and fn.get("class_name") == "__lambda__":
            if safe_mode is None:
                try:
                    from pyfastfit.saving import in_safe_mode

                    safe_mode = in_safe_mode()
                except ImportError:
                    safe_mode = True
            if safe_mode is None or safe_mode:
                raise ValueError(
                    "Requested the deserialization of a `Lambda` layer whose `function` is a "
                    "Python lambda. This carries a potential risk of arbitrary code "
                    "execution and thus it is disallowed by default. If you trust the source "
                    "of the artifact, you can override this error by passing "
                    "`safe_mode=False` to the loading function.")
            code = marshal.loads(base64.b64decode(fn["config"]["code"]))
            defaults = fn["config"].get("defaults")
            function = types.FunctionType(code, globals(), None,
                                          tuple(defaults) if defaults else None)
        elif isinstance(fn, dict):
            name = fn["config"]
            function = (custom_objects or {}).get(name)
            if function is None:
                import importlib

                function = getattr(importlib.import_module(fn.get("module", "builtins")), name)
        else:
            function = fn
        return cls(function, **config)
