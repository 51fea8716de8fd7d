"""Conversion and introspection ops: convert_to_tensor, convert_to_numpy, shape, size,
dtype."""

import numpy as np

from pyfastfit.core import Tensor, to_c, wrap


def convert_to_tensor(x, dtype=None, sparse=None):
    """Converts `x` (array-like, scalar, Tensor or Variable) to a Tensor.

    Tensors and Variables are returned unchanged when no dtype change is needed, so the
    tape keeps tracking them. NumPy arrays that are C-contiguous and of a supported dtype
    are used without a copy; float64 becomes float32.

    Args:
        x: the value.
        dtype: optional target dtype name.

    Example:

    >>> ops.convert_to_tensor(np.ones((2, 3))).dtype
    'float32'
    """
    if isinstance(x, Tensor) and (dtype is None or x.dtype == dtype):
        return x
    if isinstance(x, (list, tuple)) and x and _holds_tensors(x):
        # A list of tensors (`ops.sum(losses)`) is stacked by ops, as tf.convert_to_tensor
        # packs one: through NumPy the tape would lose it (no gradient) and a
        # pyfastfit.function capture would have to run eagerly.
        from pyfastfit.ops._shape import stack

        parts = [convert_to_tensor(v, dtype) for v in x]
        if len({p.dtype for p in parts}) == 1:
            return stack(parts)
    return wrap(to_c(x, dtype))


def _holds_tensors(x):
    """True when `x` (a non-empty list or tuple) holds tensors, at any depth, and nothing
    but tensors and such lists."""
    for v in x:
        if isinstance(v, (list, tuple)):
            if not v or not _holds_tensors(v):
                return False
        elif not isinstance(v, Tensor):
            return False
    return True


def convert_to_numpy(x):
    """Converts a Tensor (or array-like) to a NumPy array."""
    if isinstance(x, Tensor):
        return np.array(x._c, copy=True)
    return np.asarray(x)


def shape(x):
    """Shape of `x` as a tuple of ints."""
    if isinstance(x, Tensor):
        return x.shape
    return tuple(np.shape(x))


def size(x):
    """Number of elements of `x`."""
    if isinstance(x, Tensor):
        return x.size
    return int(np.size(x))


def dtype(x):
    """The dtype name of `x` ("float32", "int32", ...), as `keras.ops.dtype`."""
    if isinstance(x, Tensor):
        return x.dtype
    return convert_to_tensor(x).dtype


def is_tensor(x):
    """True if `x` is a pyfastfit Tensor or Variable."""
    return isinstance(x, Tensor)


__all__ = ["convert_to_numpy", "convert_to_tensor", "dtype", "is_tensor", "shape", "size"]
