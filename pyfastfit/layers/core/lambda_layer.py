"""Lambda: wraps an arbitrary function of tensors as a layer."""

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
        from pyfastfit.saving import serialization_lib

        config = super().get_config()
        config["function"] = serialization_lib.serialize_keras_object(self.function)
        config["arguments"] = serialization_lib.serialize_keras_object(self.arguments)
        if self._output_shape is not None:
            config["output_shape"] = serialization_lib.serialize_keras_object(
                self._output_shape if callable(self._output_shape)
                else list(self._output_shape))
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuilds the layer. A config is data: `function` is resolved only among
        pyfastfit's functions, registered objects and `custom_objects`; Python bytecode
        and functions of other modules are refused unless `safe_mode=False`."""
        from pyfastfit.saving import serialization_lib

        config = dict(config)
        with serialization_lib.SafeModeScope(safe_mode):
            for key in ("function", "output_shape", "arguments"):
                value = config.get(key)
                if isinstance(value, dict) and "class_name" in value:
                    if value["class_name"] not in ("__lambda__", "function"):
                        raise ValueError(f"Invalid `{key}` in a Lambda config: "
                                         f"Received: {key}={value!r}")
                    config[key] = serialization_lib.deserialize_keras_object(
                        value, custom_objects=custom_objects)
                elif key == "function" and not callable(value):
                    raise ValueError("A Lambda config's `function` must be a serialized "
                                     f"function. Received: function={value!r}")
        if isinstance(config.get("arguments"), dict):
            config["arguments"] = serialization_lib.deserialize_keras_object(
                config["arguments"], custom_objects=custom_objects)
        return cls(**config)
