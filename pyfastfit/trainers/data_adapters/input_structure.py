"""Keras 3's warning for a dict `x` whose keys match no model input.

Keras warns from its Functional model's input check ("The structure of `inputs`
doesn't match the expected structure.") when a dict holds keys beyond a model's
dict of inputs, or beyond the name of a single-input model; a model built on a list
of inputs picks its inputs from the dict by name without a warning. `fit`,
`evaluate` and `predict` run the same check once per call (on whichever execution
path then runs), from the shapes of the first batch.
"""

import warnings

from pyfastfit.trainers import _tree


def _inputs_struct(model):
    struct = getattr(model, "_inputs_struct", None)
    if struct is None:  # a Sequential model keeps its graph in `_functional`
        struct = getattr(getattr(model, "_functional", None), "_inputs_struct", None)
    return struct


def _describe(leaf):
    shape = getattr(leaf, "shape", None)
    if shape is None:
        return "None" if leaf is None else type(leaf).__name__
    return f"Tensor(shape={tuple(None if d is None else int(d) for d in shape)})"


def unmatched_input_keys_message(model, x):
    """Keras's warning text when dict `x` holds keys no input of `model` reads, else
    None. `x`'s leaves need only a `shape` (first-batch shapes)."""
    if not isinstance(x, dict):
        return None
    struct = _inputs_struct(model)
    if struct is None or isinstance(struct, (list, tuple)):
        return None
    if isinstance(struct, dict):
        if not set(x) - set(struct):
            return None
        expected = {k: getattr(t, "name", None) for k, t in struct.items()}
    else:
        name = getattr(struct, "name", None)
        if name is None or set(x) <= {name}:
            return None
        expected = name
    received = {k: _tree.map_structure(_describe, v) for k, v in x.items()}
    return ("The structure of `inputs` doesn't match the expected structure.\n"
            f"Expected: {expected}\nReceived: inputs={received}")


def warn_unmatched_input_keys(model, x):
    """Emits `unmatched_input_keys_message(model, x)` as a `UserWarning`, if any."""
    message = unmatched_input_keys_message(model, x)
    if message is not None:
        warnings.warn(message, UserWarning, stacklevel=4)


class _Shape:
    def __init__(self, shape):
        self.shape = shape


def first_batch_shapes(x, batch_size):
    """`x` (arrays) with each leaf replaced by an object whose `shape` is that of the
    first batch of `batch_size` (default 32) rows."""
    batch_size = 32 if batch_size is None else int(batch_size)

    def first(leaf):
        shape = getattr(leaf, "shape", None)
        if not shape:
            return leaf
        return _Shape((min(batch_size, int(shape[0])),) + tuple(shape[1:]))

    return _tree.map_structure(first, x)
