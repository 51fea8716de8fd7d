"""Variable: mutable, named state (layer weights, optimizer slots, metric totals)."""

import itertools

import numpy as np

from pyfastfit.core._c import _C
from pyfastfit.core.tensor import Tensor, to_c

_uid = itertools.count()


class Variable(Tensor):
    """A mutable tensor that owns its storage.

    Updates (`assign`, `assign_add`, `assign_sub`, optimizer steps) write in place, so
    every holder of the variable sees the new value. Trainable variables are watched
    automatically by `GradientTape`.

    Args:
        initializer: initial value (array-like or Tensor), or an initializer callable
            taking `(shape, dtype)` when `shape` is given.
        shape: shape, required when `initializer` is callable.
        dtype: element type. Defaults to the value's dtype (floats become float32).
        trainable: whether gradients flow to it. Defaults to `True`.
        name: a name for summaries and checkpoints. Defaults to `"variable"`.

    Example:

    >>> v = pyfastfit.Variable(np.zeros((2,), "float32"), name="bias")
    >>> v.assign_add([1.0, 2.0]).numpy()
    array([1., 2.], dtype=float32)
    """

    __slots__ = ("name", "trainable", "path", "constraint", "_uid", "_aggregation")

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True,
                 name=None, aggregation="none", **kwargs):
        if "initial_value" in kwargs and initializer is None:
            initializer = kwargs.pop("initial_value")
        if kwargs:
            raise TypeError(f"Variable got unexpected arguments: {sorted(kwargs)}")
        if initializer is None:
            raise ValueError("Variable needs an initial value: received initializer=None.")
        if callable(initializer) and not isinstance(initializer, (Tensor, np.ndarray)):
            if shape is None:
                raise ValueError(
                    "Variable with a callable initializer needs `shape`; received shape=None."
                )
            initializer = initializer(tuple(shape), dtype or "float32")
        if _C.Recording.is_recording():
            # A replay would re-run the initial copy and reset the variable every call.
            _C.Recording.taint_active(
                "a Variable was created (create variables before the first call, or in "
                "the first call: pyfastfit.function runs it eagerly)")
        c = to_c(initializer, dtype)
        # Own a private copy: the value is updated in place.
        self._c = c.clone()
        if shape is not None and tuple(shape) != self._c.shape:
            raise ValueError(
                f"Variable initial value has shape {self._c.shape}, expected shape {tuple(shape)}."
            )
        self.trainable = bool(trainable)
        # Applied by the optimizer after each update (`v.assign(v.constraint(v))`).
        self.constraint = None
        self.name = name or "variable"
        self.path = self.name
        self._uid = next(_uid)
        self._aggregation = aggregation

    @property
    def value(self):
        """The current value as a Tensor (shares storage)."""
        t = Tensor.__new__(Tensor)
        t._c = self._c
        return t

    def numpy(self):
        """A copy of the current value as a NumPy array."""
        return np.array(self._c, copy=True)

    def _value_c(self, value):
        # A Tensor keeps its storage (C++ converts the dtype), so a captured step sees the
        # op's real input; anything else is converted once, as a constant.
        if isinstance(value, Tensor):
            return value._c
        if isinstance(value, _C.Tensor):
            return value
        return to_c(value, self._c.dtype)

    def _check_shape(self, c, what, broadcast=False):
        shape = self._c.shape
        if c.shape == shape:
            return
        if broadcast and len(c.shape) <= len(shape) and all(
                s in (1, d) for s, d in zip(reversed(c.shape), reversed(shape))):
            return
        raise ValueError(
            f"Cannot {what} a value of shape {c.shape} to variable '{self.name}' "
            f"of shape {shape}."
        )

    def assign(self, value):
        """Writes `value` into the variable in place; returns the variable.

        `value` must have the variable's shape; it is converted to the variable's dtype.
        """
        c = self._value_c(value)
        self._check_shape(c, "assign")
        _C.assign_(self._c, c)
        return self

    def assign_add(self, delta):
        """Adds `delta` (broadcast to the variable's shape) in place; returns the
        variable."""
        c = self._value_c(delta)
        self._check_shape(c, "assign_add", broadcast=True)
        _C.assign_add_(self._c, c)
        return self

    def assign_sub(self, delta):
        """Subtracts `delta` (broadcast to the variable's shape) in place; returns the
        variable."""
        c = self._value_c(delta)
        self._check_shape(c, "assign_sub", broadcast=True)
        _C.assign_sub_(self._c, c)
        return self

    def __reduce__(self):
        # pickle / copy.deepcopy: a new Variable with a copy of the value.
        return (_rebuild_variable, (np.array(self._c, copy=True), self.trainable, self.name,
                                    self.path, self._aggregation))

    def __deepcopy__(self, memo):
        return _rebuild_variable(np.array(self._c, copy=True), self.trainable, self.name,
                                 self.path, self._aggregation)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={self.shape}, dtype={self.dtype}, "
                f"value={np.asarray(self._c)!r}>")

    __hash__ = object.__hash__


def _rebuild_variable(value, trainable, name, path, aggregation):
    v = Variable(value, trainable=trainable, name=name, aggregation=aggregation)
    v.path = path
    return v


__all__ = ["Variable", "_C"]
