"""Per-layer translators: one function per layer type turns a call of that layer into a
`_C.ProgramNode` of the C++ Program (program/nodes/<kind>.cpp on the other side).

A translator is registered with the attributes of the layer it reads; they, with the
layer's weights and their constraints and regularizers, form the layer's part of the
cache key of a built Program (`layer_key`), so changing any of them rebuilds it.
Adding a layer to the fast path is one translator here and one node class in C++.
"""

from pyfastfit.trainers.fast_path.translators.common import (  # noqa: F401
    Call, Unsupported, layer_name)

_REGISTRY = {}


def translator(*classes, attrs=(), channels_first=False):
    """Registers the decorated `fn(layer, call) -> _C.ProgramNode` (or a list of chained
    nodes) for exactly these layer classes (a subclass may override call(), so it is not
    covered). With `channels_first=True` the translator handles channels_last calls, and
    a layer with data_format="channels_first" runs them between two permute nodes."""
    def register(fn):
        for cls in classes:
            _REGISTRY[cls] = (fn, ("trainable",) + tuple(attrs), channels_first)
        return fn
    return register


_loaded = []


def _ensure_loaded():
    # Imported on first use (not at import time), as a flag: graph.py imports layout
    # itself, which registers Permute first.
    if not _loaded:
        _loaded.append(True)
        from pyfastfit.trainers.fast_path.translators import (  # noqa: F401
            convolutional, core, layout, merging, normalization, pooling, preprocessing,
            reshaping)


def lookup(layer):
    """(translator function, handles channels_first by permutes) of `layer`'s exact
    class, or None."""
    _ensure_loaded()
    entry = _REGISTRY.get(type(layer))
    return (entry[0], entry[2]) if entry else None


def _hashable(value):
    if isinstance(value, (list, tuple)):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def layer_key(layer):
    """What a Program built from `layer` depends on besides its weights' identity."""
    _ensure_loaded()
    entry = _REGISTRY.get(type(layer))
    attrs = entry[1] if entry else ("trainable",)
    values = tuple(_hashable(getattr(layer, a, None)) for a in attrs)
    weights = tuple((id(v), id(getattr(v, "constraint", None))) for v in layer.weights)
    regs = tuple((id(v), id(r)) for v, r in getattr(layer, "_regularized", ()))
    return (id(layer), type(layer), values, weights, regs,
            id(getattr(layer, "activity_regularizer", None)))
