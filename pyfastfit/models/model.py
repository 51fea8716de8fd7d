"""Model: a Layer with the training API (`Trainer`); `Model(inputs, outputs)` is Functional."""

from pyfastfit.layers.layer import Layer
from pyfastfit.trainers.trainer import Trainer


class Model(Trainer, Layer):
    """A trainable graph of layers.

    Three ways to build one, freely mixed:

    - Functional: `Model(inputs, outputs, name=None)` on `keras.Input` tensors.
    - Subclassing: `class M(keras.Model)` with layers created in `__init__` and the
      forward pass in `call(inputs, training=None)`; weights are created on first call.
    - `keras.Sequential([...])`.

    Example:

    ```python
    inputs = keras.Input(shape=(3,))
    outputs = keras.layers.Dense(1)(inputs)
    model = keras.Model(inputs, outputs)
    ```
    """

    def __new__(cls, *args, **kwargs):
        if cls is Model and (len(args) == 2 or "inputs" in kwargs or "outputs" in kwargs):
            from pyfastfit.models.functional import Functional

            return Functional.__new__(Functional)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if len(args) == 2 or "inputs" in kwargs or "outputs" in kwargs:
            from pyfastfit.models.functional import Functional

            if not isinstance(self, Functional):
                # Functional subclassing: become a Functional of this subclass.
                cls = type(self)
                new_cls = type(cls.__name__, (cls, Functional), {"__module__": cls.__module__})
                object.__setattr__(self, "__class__", new_cls)
            Functional.__init__(self, *args, **kwargs)
            return
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        Layer.__init__(self, trainable=trainable, name=name, dtype=dtype, **kwargs)
        Trainer.__init__(self)

    @property
    def layers(self):
        """The model's direct sub-layers, in creation order."""
        return self._flatten_layers(include_self=False, recursive=False)

    @property
    def output_names(self):
        """Names of the outputs (None until known for subclassed models)."""
        return self.__dict__.get("_output_names")

    @output_names.setter
    def output_names(self, value):
        self.__dict__["_output_names"] = value

    def get_layer(self, name=None, index=None):
        """A sub-layer by `name` or by `index` in `model.layers`."""
        if index is not None and name is not None:
            raise ValueError("Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only "
                                 f"has {len(self.layers)} layers.")
            return self.layers[index]
        if name is not None:
            for layer in self.layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: "
                             f"{[layer.name for layer in self.layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False,
                show_trainable=False, layer_range=None):
        """Prints a table of the layers, output shapes and parameter counts."""
        from pyfastfit.utils.summary import print_summary

        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def build(self, input_shape=None):
        """Builds a subclassed model by calling it on zeros of `input_shape`."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        if type(self).call is not Model.call and type(self).call is not Layer.call:
            import numpy as np

            def zeros(s):
                if isinstance(s, dict):
                    return {k: zeros(v) for k, v in s.items()}
                if isinstance(s, list) or (isinstance(s, tuple) and s and
                                           isinstance(s[0], (tuple, list))):
                    return [zeros(v) for v in s]
                return np.zeros(tuple(1 if d is None else d for d in s), "float32")

            self(zeros(input_shape))
        self.__dict__["built"] = True

    def _maybe_build(self, args, kwargs):
        if type(self).build is Model.build:
            self.__dict__["built"] = True  # sub-layers build themselves in call
            # The first call's input shape is the model's build_config (saving).
            from pyfastfit.layers.layer import _shape_of

            first = args[0] if args else next(iter(kwargs.values()), None)
            try:
                shape = _shape_of(first)
            except Exception:  # an input whose shape cannot be read: no build_config
                shape = None
            if shape is not None:
                shape = _unknown_batch(shape)
            self.__dict__.setdefault("_build_shapes", shape)
            return
        super()._maybe_build(args, kwargs)

    # ------------------------------------------------------------------ saving
    def save(self, filepath, overwrite=True, zipped=None, **kwargs):
        """Saves the model (architecture, weights, compile and optimizer state) to a
        Keras 3 `.keras` file, atomically.

        Example:

        ```python
        model.save("model.keras")
        restored = keras.models.load_model("model.keras")
        ```
        """
        from pyfastfit.saving import saving_api

        saving_api.save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True):
        """Saves the weights (and optimizer state) to a `.weights.h5` file (Keras 3
        layout), atomically."""
        from pyfastfit.saving import saving_api

        saving_api.save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        """Loads weights from a `.weights.h5`, `.keras` or legacy Keras 2 `.h5` file.

        Args:
            filepath: the file.
            skip_mismatch: skip (with a warning) layers whose weights do not match.
        """
        from pyfastfit.saving import saving_api

        if kwargs:
            raise ValueError(f"Invalid keyword arguments: {list(kwargs)}")
        saving_api.load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def to_json(self, **kwargs):
        """The model's architecture (`config.json` of a `.keras` file) as a JSON string;
        `keras.models.model_from_json` reads it back."""
        import json

        from pyfastfit.saving import serialization_lib

        return json.dumps(serialization_lib.serialize_keras_object(self), **kwargs)

    def get_compile_config(self):
        """The `compile()` arguments (Keras 3 `compile_config`), or None if not compiled."""
        config = self.__dict__.get("_compile_config")
        if not getattr(self, "compiled", False) or config is None:
            return None
        config = dict(config)
        config["optimizer"] = self.optimizer
        return config

    def compile_from_config(self, config):
        """Compiles from `get_compile_config()`'s output and builds the optimizer so that
        its saved state can be loaded."""
        from pyfastfit.saving import serialization_lib

        config = serialization_lib.deserialize_keras_object(config)
        if not isinstance(config, dict):
            raise ValueError(f"Invalid compile_config: {config!r}")
        known = ("optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                 "run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")
        self.compile(**{k: v for k, v in config.items() if k in known})
        if self.built and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if "layers" in config and "input_layers" in config:
            from pyfastfit.models.functional import functional_from_config

            return functional_from_config(cls, config, custom_objects)
        return super().from_config(config)


def _unknown_batch(shape):
    """`shape` with its batch dimension unknown (None), as Keras's build_config."""
    if isinstance(shape, dict):
        return {k: _unknown_batch(v) for k, v in shape.items()}
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and
                                   isinstance(shape[0], (tuple, list, dict))):
        return [_unknown_batch(s) for s in shape]
    return (None,) + tuple(shape[1:]) if shape else shape
