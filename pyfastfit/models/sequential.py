"""Sequential: a plain stack of layers, each with one input and one output."""

from pyfastfit.layers.core.input_layer import InputLayer
from pyfastfit.layers.keras_tensor import KerasTensor
from pyfastfit.layers import layer as _layer_mod
from pyfastfit.layers.layer import Layer, call_nested, deserialize_layer, serialize_layer
from pyfastfit.layers.masking import call_masked, makes_masks
from pyfastfit.models.model import Model


class Sequential(Model):
    """A linear stack of layers.

    When the input shape is known (an `Input`/`InputLayer` first, or `input_shape=` on
    the first layer, or `build(input_shape)`), the model is built at once and is also a
    Functional graph (`inputs`, `outputs`, `layer.output`); otherwise it is built on
    the first call or `fit`.

    Args:
        layers: optional list of layers (an `Input` tensor may come first).
        name: model name.

    Example:

    ```python
    model = keras.Sequential([keras.Input(shape=(16,)), keras.layers.Dense(8)])
    model.add(keras.layers.Dense(1))
    ```
    """

    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        Model.__init__(self, trainable=trainable, name=name, **kwargs)
        self._layers = []
        self._functional = None
        if layers:
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_rebuild()

    def add(self, layer, rebuild=True):
        """Appends a layer (or an `Input` tensor, which becomes the InputLayer)."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ValueError("Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        if isinstance(layer, InputLayer) and self._layers:
            if isinstance(self._layers[0], InputLayer):
                raise ValueError(f"Sequential model '{self.name}' has already been configured "
                                 f"to use input shape {self._layers[0].batch_shape}. You cannot "
                                 f"add a different Input layer to it.")
            raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers added to a Sequential model should have unique "
                             f"names. Name '{layer.name}' is already the name of a layer in "
                             "this model. Update the `name` argument to pass a unique name.")
        self._layers.append(layer)
        _layer_mod._generation[0] += 1
        if rebuild:
            self._maybe_rebuild()
        else:
            self.__dict__["built"] = False

    def pop(self, rebuild=True):
        """Removes and returns the last layer."""
        layers = self.layers
        if not layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        _layer_mod._generation[0] += 1
        self.__dict__["built"] = False
        self._functional = None
        if rebuild:
            self._maybe_rebuild()
        return layer

    def _maybe_rebuild(self):
        self.__dict__["built"] = False
        self._functional = None
        if not self._layers:
            return
        first = self._layers[0]
        if isinstance(first, InputLayer) and len(self._layers) > 1:
            self._build_functional(first.batch_shape, first.dtype, first)
        elif getattr(first, "_batch_input_shape", None) is not None and \
                not isinstance(first, InputLayer):
            self._build_functional(first._batch_input_shape, first.dtype)

    def _build_functional(self, batch_shape, dtype="float32", input_layer=None):
        from pyfastfit.models.functional import Functional

        if input_layer is None:
            input_layer = InputLayer(batch_shape=batch_shape, dtype=dtype)
            self._layers.insert(0, input_layer)
            _layer_mod._generation[0] += 1
        x = input_layer._input_tensor
        inputs = x
        fresh = [layer for layer in self._layers[1:] if not layer.built]
        for layer in self._layers[1:]:
            x = layer(x)
        # As Keras, weights created while the model builds its layers live under the
        # model's name ("seq/dense/kernel"); layers built before keep their paths.
        for layer in fresh:
            for v in layer.weights:
                v.path = f"{self.name}/{v.path}"
        self._functional = Functional(inputs, x, name=self.name + "_functional")
        # The Functional shell is internal: do not count its name.
        self.__dict__["built"] = True

    def build(self, input_shape=None):
        """Builds the model for inputs of `input_shape` (batch dimension included)."""
        if input_shape is None:
            if self._layers and isinstance(self._layers[0], InputLayer):
                input_shape = self._layers[0].batch_shape
            else:
                raise ValueError("You must provide an `input_shape` argument.")
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], tuple):
            input_shape = input_shape[0]
        if self._functional is not None:
            return
        if not self.layers:
            raise ValueError(f"Sequential model {self.name} cannot be built because it has no "
                             "layers. Call `model.add(layer)`.")
        if self._layers and isinstance(self._layers[0], InputLayer):
            self._layers.pop(0)
            _layer_mod._generation[0] += 1
        self._build_functional(tuple(input_shape))

    def _maybe_build(self, args, kwargs):
        x = args[0] if args else next(iter(kwargs.values()))
        shape = tuple(x.shape)
        if self._functional is None:
            if not self.layers:
                raise ValueError(f"Sequential model {self.name} cannot be built because it "
                                 "has no layers. Call `model.add(layer)`.")
            if self._layers and isinstance(self._layers[0], InputLayer):
                self._layers.pop(0)
            self._build_functional((None,) + shape[1:] if shape else shape, str(x.dtype))

    @property
    def layers(self):
        """The layers, without the InputLayer (as Keras)."""
        return [la for la in self._layers if not isinstance(la, InputLayer)]

    def call(self, inputs, training=None, mask=None):
        x = inputs
        if makes_masks(self._layers):  # carry the mask from layer to layer (Keras)
            for layer in self._layers:
                if not isinstance(layer, InputLayer):
                    x, mask = call_masked(layer, (x,), {}, mask)
            return x
        for layer in self._layers:
            if isinstance(layer, InputLayer):
                continue
            x = call_nested(layer, x)
        return x

    # Functional views when built with a known input shape.
    def _require_functional(self, what):
        if self._functional is None:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what} yet: "
                                 "build it (call it, `build(input_shape)`, or start with an "
                                 "`Input`).")
        return self._functional

    @property
    def inputs(self):
        return self._require_functional("inputs").inputs

    @property
    def outputs(self):
        return self._require_functional("outputs").outputs

    @property
    def input(self):
        return self._require_functional("input").input

    @property
    def output(self):
        return self._require_functional("output").output

    @property
    def input_shape(self):
        return self._require_functional("input shape").input_shape

    @property
    def output_shape(self):
        return self._require_functional("output shape").output_shape

    @property
    def output_names(self):
        layers = self.layers
        return [layers[-1].name] if layers else []

    @output_names.setter
    def output_names(self, value):
        pass

    @property
    def input_names(self):
        return self._functional.input_names if self._functional is not None else []

    def compute_output_spec(self, inputs, training=None, mask=None):
        if self._functional is not None:
            return self._functional.compute_output_spec(inputs)
        return super().compute_output_spec(inputs)

    def _graph_nodes(self):
        """See `Functional._graph_nodes` (available once the input shape is known)."""
        return self._require_functional("graph")._graph_nodes()

    def get_config(self):
        """Keras 3 Sequential config: name, trainable, layers (InputLayer first if any)."""
        layers = [serialize_layer(layer) for layer in self._layers]
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype,
                  "layers": layers}
        if self._functional is not None:  # Keras 3 writes it with an InputLayer too
            config["build_input_shape"] = list(self._functional.inputs[0].shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        layers = [deserialize_layer(lc, custom_objects) for lc in config["layers"]]
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer in layers:
            model.add(layer, rebuild=False)
        model._maybe_rebuild()
        if not model.built and config.get("build_input_shape"):
            model.build(tuple(config["build_input_shape"]))
        return model
