"""Flattening and rebuilding nested structures (tuples, lists, dicts) of array leaves."""

import numpy as np


def flatten(structure):
    """Returns `(leaves, treedef)`; `unflatten(treedef, leaves)` rebuilds the structure.

    Tuples, lists and dicts are containers (dicts keep their key order); anything else is
    a leaf. Leaves are returned as given.
    """
    leaves = []
    treedef = _flatten_into(structure, leaves)
    return leaves, treedef


def _flatten_into(s, leaves):
    if isinstance(s, dict):
        keys = list(s)
        return ("dict", keys, [_flatten_into(s[k], leaves) for k in keys])
    if isinstance(s, tuple):
        kind = type(s) if hasattr(s, "_fields") else tuple
        return ("tuple", kind, [_flatten_into(v, leaves) for v in s])
    if isinstance(s, list):
        return ("list", None, [_flatten_into(v, leaves) for v in s])
    leaves.append(s)
    return None


def unflatten(treedef, leaves):
    """Rebuilds a structure from `treedef` (from `flatten`) and a sequence of leaves."""
    it = iter(leaves)
    return _build(treedef, it)


def _build(t, it):
    if t is None:
        return next(it)
    kind, info, children = t
    if kind == "dict":
        return {k: _build(c, it) for k, c in zip(info, children)}
    values = [_build(c, it) for c in children]
    if kind == "list":
        return values
    if info is tuple:
        return tuple(values)
    return info(*values)  # namedtuple


def map_structure(fn, structure):
    """Applies `fn` to every leaf of `structure`, keeping the structure."""
    leaves, treedef = flatten(structure)
    return unflatten(treedef, [fn(v) for v in leaves])


def to_numpy(value):
    """Converts a leaf (NumPy array, pyfastfit Tensor, Python number) to a NumPy array."""
    if isinstance(value, np.ndarray):
        return value
    numpy = getattr(value, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    return np.asarray(value)
