"""Keras 2's full-model `.h5` files: the architecture in the root attribute
`model_config` (JSON) and the weights in `model_weights/<layer>/<weight name>`, listed by
the `layer_names` and `weight_names` attributes. Read-only: pyfastfit writes `.keras`."""

import json

import numpy as np

from pyfastfit.saving import serialization_lib


def _attr_text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    return value


def _attr_list(group, name):
    values = group.attrs.get(name)
    if values is None:
        return []
    return [_attr_text(v) for v in np.asarray(values).tolist()]


def is_legacy_h5(filepath):
    """Whether `filepath` is an HDF5 file with a Keras 2 `model_config`."""
    import h5py

    try:
        with h5py.File(filepath, "r") as f:
            return "model_config" in f.attrs
    except (OSError, ValueError):
        return False


def load_model_from_hdf5(filepath, custom_objects=None, safe_mode=True):
    """A model (uncompiled) and its weights from a Keras 2 `.h5` file."""
    import h5py

    try:
        f = h5py.File(filepath, "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"'{filepath}' is not a readable HDF5 file ({e}).") from e
    with f:
        raw = f.attrs.get("model_config")
        if raw is None:
            raise ValueError(f"No model config found in the file at '{filepath}'; it holds "
                             "weights only: build the model and call `load_weights`.")
        try:
            config = json.loads(_attr_text(raw))
        except ValueError as e:
            raise ValueError(f"Invalid `model_config` in '{filepath}' ({e}).") from e
        model = serialization_lib.deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode)
        group = f["model_weights"] if "model_weights" in f else f
        load_weights_from_hdf5_group(group, model)
    return model


def load_weights_from_hdf5_group(group, model, skip_mismatch=False):
    """Assigns Keras 2 layer-by-layer weights to the layers of `model` that have weights,
    in order. Shapes are checked for every layer before any weight is assigned."""
    import warnings

    import h5py

    layers = [layer for layer in model.layers if layer.weights]
    names = [n for n in _attr_list(group, "layer_names")
             if _attr_list(group[n], "weight_names")]
    if len(names) != len(layers):
        raise ValueError(f"Layer count mismatch when loading weights from file. Model "
                         f"expected {len(layers)} layers with weights, found {len(names)} "
                         "saved layers with weights.")
    updates = []
    for layer, name in zip(layers, names):
        g = group[name]
        weight_names = _attr_list(g, "weight_names")
        variables = layer.weights
        if len(weight_names) != len(variables):
            msg = (f"Layer '{layer.name}' expected {len(variables)} weights, but the saved "
                   f"layer '{name}' has {len(weight_names)} weights.")
            if skip_mismatch:
                warnings.warn("Skipping loading of weights: " + msg, stacklevel=2)
                continue
            raise ValueError(msg)
        pending = []
        for v, wn in zip(variables, weight_names):
            ds = g.get(wn)
            if not isinstance(ds, h5py.Dataset) or ds.dtype.kind not in "fiub":
                raise ValueError(f"Invalid weights file: '{name}/{wn}' is missing or not "
                                 "a numeric dataset.")
            if tuple(ds.shape) != tuple(v.shape):
                msg = (f"Shape mismatch in layer '{layer.name}' for weight '{wn}': expected "
                       f"{tuple(v.shape)}, received {tuple(ds.shape)}.")
                if skip_mismatch:
                    warnings.warn("Skipping loading of weights: " + msg, stacklevel=2)
                    pending = None
                    break
                raise ValueError(msg)
            pending.append((v, ds))
        updates.extend(pending or [])
    values = [np.asarray(ds[()], dtype=v.dtype) for v, ds in updates]
    for (v, _), value in zip(updates, values):
        v.assign(value)
