"""Symbolic tensors and graph nodes for the Functional API."""

import itertools

_ids = itertools.count()


class KerasTensor:
    """A symbolic tensor: a shape (None for unknown dims), a dtype and where it came from.

    Returned by `Input(...)` and by layers called on symbolic tensors; holds no data.
    `_keras_history` is `(layer, node_index, tensor_index)`.
    """

    __slots__ = ("shape", "dtype", "name", "_keras_history", "_id", "__weakref__")

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._id = next(_ids)
        self.name = name or f"keras_tensor_{self._id}"
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __len__(self):
        raise TypeError("A symbolic KerasTensor has no len(); use `.shape`.")

    def __array__(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor cannot be converted to a NumPy array. It only carries a "
            "shape and dtype; call the model on real data instead.")

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool.")

    __hash__ = object.__hash__


class Node:
    """One call of a layer on symbolic tensors.

    Attributes:
        layer: the layer called.
        args, kwargs: the call arguments, KerasTensors kept in place.
        inputs: the flat list of input KerasTensors (in argument order).
        outputs: the flat list of output KerasTensors.
        output_structure: the outputs as the layer returned them (tensor, list, dict).
    """

    __slots__ = ("layer", "args", "kwargs", "inputs", "outputs", "output_structure")

    def __init__(self, layer, args, kwargs, outputs_struct):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
        self.output_structure = outputs_struct
        self.outputs = [t for t in flatten(outputs_struct) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t._keras_history[0]._inbound_nodes[t._keras_history[1]] for t in self.inputs]


def flatten(struct):
    """Leaves of nested lists/tuples/dicts (dicts in key insertion order)."""
    if isinstance(struct, (list, tuple)):
        out = []
        for s in struct:
            out.extend(flatten(s))
        return out
    if isinstance(struct, dict):
        out = []
        for v in struct.values():
            out.extend(flatten(v))
        return out
    return [struct]


def map_structure(fn, struct):
    """Applies `fn` to each leaf, keeping lists/tuples/dicts."""
    if isinstance(struct, list):
        return [map_structure(fn, s) for s in struct]
    if isinstance(struct, tuple):
        return tuple(map_structure(fn, s) for s in struct)
    if isinstance(struct, dict):
        return {k: map_structure(fn, v) for k, v in struct.items()}
    return fn(struct)


def any_symbolic(args, kwargs):
    for a in args:
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple, dict)) and any(
                isinstance(t, KerasTensor) for t in flatten(a)):
            return True
    for a in kwargs.values():
        if isinstance(a, KerasTensor):
            return True
        if isinstance(a, (list, tuple, dict)) and any(
                isinstance(t, KerasTensor) for t in flatten(a)):
            return True
    return False


# `ops.*` functions accept KerasTensors from here on (see symbolic_ops).
from pyfastfit.layers import symbolic_ops  # noqa: E402

symbolic_ops.install()
