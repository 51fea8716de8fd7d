"""Metric base class (keras/src/metrics/metric.py, Keras 3)."""

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor, Variable
from pyfastfit.losses.loss import _dtype_name, auto_name


def _initial_value(initializer, shape, dtype):
    if initializer is None or initializer == "zeros":
        return np.zeros(shape, dtype)
    if initializer == "ones":
        return np.ones(shape, dtype)
    if callable(initializer):
        value = initializer(tuple(shape), dtype)
        return np.asarray(value, dtype)
    if isinstance(initializer, str):
        try:
            from pyfastfit import initializers
        except ImportError:
            raise ValueError(
                f"Unknown initializer for a metric variable: {initializer!r}") from None
        return np.asarray(initializers.get(initializer)(tuple(shape), dtype), dtype)
    return np.broadcast_to(np.asarray(initializer, dtype), shape).copy()


class Metric:
    """Encapsulates metric logic and state.

    Subclasses create their state with `add_variable` in `__init__` and implement
    `update_state(...)` and `result()`. `reset_state()` sets every state variable back
    to its initial value.

    Args:
        dtype: dtype of the metric's computations and state. Defaults to `"float32"`.
        name: name of the metric instance; defaults to the snake_case class name.

    Example:

    ```python
    class Total(keras.metrics.Metric):
        def __init__(self, name="total", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_variable(shape=(), initializer="zeros", name="total")

        def update_state(self, values):
            self.total.assign_add(keras.ops.sum(values))

        def result(self):
            return self.total
    ```
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or auto_name(self.__class__.__name__)
        dtype = _dtype_name(dtype)
        if dtype not in (None, "float32"):
            raise ValueError(
                f"Only dtype='float32' is supported for metrics. Received: dtype={dtype}")
        self._dtype = "float32"
        self._variables = []
        self._initial_values = []
        self._metrics = []

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum",
                     name=None):
        """Creates a non-trainable state Variable tracked by the metric (reset by
        `reset_state`)."""
        shape = tuple(int(s) for s in (shape or ()))
        dtype = getattr(dtype, "name", dtype) or self._dtype
        value = _initial_value(initializer, shape, dtype)
        var = Variable(value, dtype=dtype, trainable=False, name=name or "variable",
                       aggregation=aggregation)
        var.path = f"{self.name}/{var.name}"
        self._variables.append(var)
        # Kept as a Tensor so reset_state is one `assign` per variable (no host access).
        self._initial_values.append(Tensor(np.array(value, dtype=dtype, copy=True)))
        return var

    def add_weight(self, shape=(), initializer="zeros", dtype=None, name=None):
        """Alias of `add_variable` (Keras 2 name)."""
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        """The metric's state variables (those of nested metrics included)."""
        out = list(self._variables)
        for m in self._metrics:
            out.extend(m.variables)
        return out

    @property
    def weights(self):
        return self.variables

    @property
    def trainable_weights(self):
        return []

    @property
    def non_trainable_weights(self):
        return self.variables

    def __setattr__(self, name, value):
        if isinstance(value, Metric) and name != "_metrics" and "_metrics" in self.__dict__:
            if value not in self._metrics:
                self._metrics.append(value)
        object.__setattr__(self, name, value)

    def reset_state(self):
        """Resets all state variables to their initial values."""
        for var, init in zip(self._variables, self._initial_values):
            var.assign(init)
        for m in self._metrics:
            m.reset_state()

    def reset_states(self):
        """Deprecated alias of `reset_state`."""
        self.reset_state()

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(
            f"Metric subclass {type(self).__name__} must implement `update_state()`.")

    def result(self):
        raise NotImplementedError(
            f"Metric subclass {type(self).__name__} must implement `result()`.")

    # -- stateless API (Keras 3): the state passed in and returned, variables untouched --
    def _check_state(self, metric_variables, what):
        n = len(self.variables)
        if len(metric_variables) != n:
            raise ValueError(
                f"Argument `{what}` must be a list of tensors corresponding 1:1 to "
                f"{type(self).__name__}().variables. Received list with length "
                f"{len(metric_variables)}, but expected {n} variables.")

    def _with_state(self, metric_variables, fn):
        """Runs `fn()` with the variables holding `metric_variables` (None: as they
        are), returns `(fn's result, the variables' values after it)` and restores
        them."""
        variables = self.variables
        saved = [np.array(v._c, copy=True) for v in variables]
        try:
            if metric_variables is not None:
                for v, value in zip(variables, metric_variables):
                    v.assign(value)
            out = fn()
            return out, [Tensor(np.array(v._c, copy=True)) for v in variables]
        finally:
            for v, value in zip(variables, saved):
                np.copyto(np.asarray(v._c), value)

    def stateless_update_state(self, metric_variables, *args, **kwargs):
        """`update_state(*args, **kwargs)` applied to the state `metric_variables` (one
        value per `variables` entry); returns the new state and leaves the metric's
        variables as they were."""
        self._check_state(metric_variables, "metric_variables")
        return self._with_state(metric_variables,
                                lambda: self.update_state(*args, **kwargs))[1]

    def stateless_result(self, metric_variables):
        """`result()` of the state `metric_variables`, the metric's variables untouched."""
        self._check_state(metric_variables, "metric_variables")
        return self._with_state(metric_variables, self.result)[0]

    def stateless_reset_state(self):
        """The state `reset_state()` would leave, the metric's variables untouched."""
        return self._with_state(None, self.reset_state)[1]

    def __call__(self, *args, **kwargs):
        """Updates the state with the batch, then returns `result()`."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

    def __str__(self):
        return self.__repr__()


def _np(x):
    """`x` (a Tensor, array or nested list) as a NumPy array (a view of a Tensor)."""
    return np.asarray(x._c if isinstance(x, Tensor) else x)


def _float_np(x):
    """`_np(x)` as float32."""
    a = _np(x)
    return a if a.dtype == np.float32 else a.astype(np.float32)


def _same_rank(a, b):
    """Keras squeeze_or_expand_to_same_rank on NumPy arrays."""
    if a.ndim == b.ndim + 1 and a.shape[-1] == 1:
        if b.ndim == 1:
            b = b[:, None]
        else:
            a = a[..., 0]
    elif b.ndim == a.ndim + 1 and b.shape[-1] == 1:
        if a.ndim == 1:
            a = a[:, None]
        else:
            b = b[..., 0]
    return a, b


def _scalar_result(value):
    """A float32 Tensor holding a copy of `value` (never a view of a state Variable)."""
    return ops.convert_to_tensor(np.array(value, dtype=np.float32, copy=True))
