"""`clone_model` and `model_from_json`: new models (fresh weights) from an existing
model's architecture or from a JSON config."""

import json


def _default_clone(layer):
    return layer.__class__.from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same architecture as `model` and freshly initialized weights.

    Args:
        model: a Sequential or Functional model (a subclassed model is rebuilt from its
            `get_config()`; it takes no `clone_function`).
        input_tensors: optional `keras.Input` tensor(s) the clone is built on
            (Sequential only).
        clone_function: `clone_function(layer) -> new layer`, called for every layer
            but the InputLayers. Defaults to `layer.__class__.from_config(layer.get_config())`.

    Example:

    ```python
    new_model = keras.models.clone_model(model)
    new_model.set_weights(model.get_weights())
    ```
    """
    from pyfastfit.layers.core.input_layer import InputLayer
    from pyfastfit.models.functional import Functional, functional_from_config
    from pyfastfit.models.sequential import Sequential

    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments: {list(kwargs)}")
    if call_function is not None:
        raise ValueError("`call_function` is not supported by pyfastfit's clone_model. "
                         f"Received: call_function={call_function!r}")
    fn = clone_function or _default_clone
    if not callable(fn):
        raise ValueError("`clone_function` must be callable. "
                         f"Received: clone_function={clone_function!r}")
    if isinstance(model, Sequential):
        layers = [fn(layer) for layer in model.layers]
        if input_tensors is not None:
            tensors = input_tensors if isinstance(input_tensors, (list, tuple)) else \
                [input_tensors]
            if len(tensors) != 1:
                raise ValueError("A Sequential model takes one input tensor. Received: "
                                 f"input_tensors={input_tensors!r}")
            return Sequential([tensors[0]] + layers, name=model.name)
        first = model._layers[0] if model._layers else None
        if isinstance(first, InputLayer):
            layers = [InputLayer.from_config(first.get_config())] + layers
        clone = Sequential(layers, name=model.name)
        if not clone.built and model._functional is not None:
            clone.build(tuple(model._functional.inputs[0].shape))
        return clone
    if input_tensors is not None:
        raise ValueError("`input_tensors` is only supported for Sequential models in "
                         "pyfastfit's clone_model.")
    if isinstance(model, Functional):
        created = {}
        for layer in model.layers:
            if not isinstance(layer, InputLayer):
                created[layer.name] = fn(layer)
        return functional_from_config(type(model), model.get_config(), created_layers=created)
    if clone_function is not None:
        raise ValueError("`clone_function` is only supported for Sequential and Functional "
                         f"models. Received a subclassed model: {type(model).__name__}")
    return model.__class__.from_config(model.get_config())


def model_from_json(json_string, custom_objects=None):
    """A model (fresh weights) from `model.to_json()`'s string.

    Example:

    ```python
    config = model.to_json()
    new_model = keras.models.model_from_json(config)
    ```
    """
    from pyfastfit.saving import serialization_lib

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as e:
        raise ValueError(f"`json_string` is not valid JSON ({e}).") from e
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)
