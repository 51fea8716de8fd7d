"""The state Variables of an optimizer: the iteration counter, the slot variables
(`add_variable*`, created by `build`) and their save / load / get / set in Keras's
order. `Optimizer` inherits them from `OptimizerVariables`."""

import warnings

import numpy as np

from pyfastfit.core import Variable


class OptimizerVariables:
    """Mixin of `Optimizer`: creates, tracks, saves and restores its state Variables.

    Relies on `Optimizer.__init__` for `name`, `_variables`, `_iterations(_np)`,
    `use_ema` and `gradient_accumulation_steps`.
    """

    def _make_variable(self, value, name, track=True):
        v = Variable(value, trainable=False, name=name)
        v.path = f"{self.name}/{name}"
        if track:
            self._variables.append(v)
        return v

    @property
    def iterations(self):
        """The number of steps applied so far (an int64 scalar Variable; with
        `gradient_accumulation_steps`, the number of real updates as a Tensor)."""
        if self.gradient_accumulation_steps:
            from pyfastfit.ops import convert_to_tensor

            return convert_to_tensor(
                np.int64(int(self._iterations_np) // self.gradient_accumulation_steps))
        return self._iterations

    @property
    def variables(self):
        """All optimizer state in Keras's order: iteration, learning_rate (when it is
        a float), then the slot variables."""
        return self._variables[:]

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="mean",
                     name=None):
        """Creates and tracks a non-trainable state Variable of `shape`."""
        dtype = dtype or "float32"
        shape = tuple(shape)
        if isinstance(initializer, str):
            if initializer == "zeros":
                value = np.zeros(shape, dtype)
            elif initializer == "ones":
                value = np.ones(shape, dtype)
            else:
                raise ValueError(
                    f"Unknown initializer for an optimizer variable: {initializer!r}; "
                    "expected 'zeros', 'ones', a number or a callable."
                )
        elif isinstance(initializer, (int, float)):
            value = np.full(shape, initializer, dtype)
        elif callable(initializer):
            value = np.asarray(initializer(shape, dtype), dtype)
        else:
            value = np.broadcast_to(np.asarray(initializer, dtype), shape).copy()
        return self._make_variable(value, name or "variable")

    def add_variable_from_reference(self, reference_variable, name=None,
                                    initializer="zeros"):
        """Adds a state Variable with the shape and dtype of `reference_variable`."""
        name = name or "var"
        ref = getattr(reference_variable, "path", None) or reference_variable.name
        name = str(ref).replace("/", "_").replace(":", "_") + "_" + name
        return self.add_variable(reference_variable.shape, initializer=initializer,
                                 dtype=reference_variable.dtype, name=name)

    def add_optimizer_variables(self, trainable_variables, name, initializer="zeros"):
        """One state Variable per trainable variable (and per name when `name` is a
        list, interleaved per variable as Keras does)."""
        names = [name] if isinstance(name, str) else list(name)
        inits = initializer if isinstance(initializer, (list, tuple)) else \
            [initializer] * len(names)
        if len(inits) != len(names):
            raise ValueError(
                "The number of provided names must match the number of provided "
                f"initializers. Received name='{name}', initializer='{initializer}'"
            )
        out = tuple([] for _ in names)
        for v in trainable_variables:
            for i, (n, init) in enumerate(zip(names, inits)):
                out[i].append(self.add_variable_from_reference(v, n, init))
        return out[0] if isinstance(name, str) else out

    def build(self, variables):
        """Creates the slot variables for `variables` (called on the first apply)."""
        for i, v in enumerate(variables):
            self._trainable_variables_indices[id(v)] = i
        self._trainable_variables = list(variables)
        # Keras creates these per variable, interleaved, before the subclass's slots.
        self._model_variables_moving_average = []
        self._accumulated_gradients = []
        for v in self._trainable_variables:
            if self.use_ema:
                self._model_variables_moving_average.append(
                    self.add_variable_from_reference(v, "average"))
            if self.gradient_accumulation_steps:
                self._accumulated_gradients.append(
                    self.add_variable_from_reference(v, "gradient_accumulator"))
        if self.gradient_accumulation_steps:
            self._step_scratch = Variable(np.zeros((), np.int64), trainable=False,
                                          name="update_step_scratch")
        self.built = True

    def _slot_lists(self):
        """Slot Variable lists in the order the C++ kernel expects (see ops/optim.h)."""
        raise NotImplementedError(
            f"Optimizer subclass {type(self).__name__} must implement `_slot_lists()`.")

    def _hyper(self):
        """Hyper-parameters in the order the C++ kernel expects."""
        raise NotImplementedError(
            f"Optimizer subclass {type(self).__name__} must implement `_hyper()`.")

    # ------------------------------------------------------------ state I/O
    def set_weights(self, weights):
        """Sets the optimizer state from a list of arrays in `variables` order."""
        if not self.built:
            raise ValueError(
                "You are calling `set_weights()` on an optimizer that has not yet been "
                "built. Please call `optimizer.build(trainable_variables)` to create "
                "the optimizer weights before calling `set_weights()`."
            )
        for v, w in zip(self._variables, weights):
            if tuple(v.shape) != tuple(np.shape(w)):
                raise ValueError(
                    f"Optimizer variable {v.path} has shape {v.shape} not compatible "
                    f"with provided weight shape {np.shape(w)}."
                )
            v.assign(w)

    def get_weights(self):
        """The optimizer state as a list of NumPy arrays (`variables` order)."""
        return [v.numpy() for v in self._variables]

    def save_own_variables(self, store):
        """Writes the state into `store` under keys "0", "1", ... (Keras layout)."""
        for i, v in enumerate(self._variables):
            store[str(i)] = v.numpy()

    def load_own_variables(self, store):
        """Reads the state written by `save_own_variables`."""
        if len(store.keys()) != len(self._variables):
            msg = (
                f"Skipping variable loading for optimizer '{self.name}', because it "
                f"has {len(self._variables)} variables whereas the saved optimizer has "
                f"{len(store.keys())} variables. "
            )
            if len(self._variables) <= 2:
                msg += "This is likely because the optimizer has not been called/built yet."
            warnings.warn(msg, stacklevel=2)
            return
        for i, v in enumerate(self._variables):
            v.assign(np.asarray(store[str(i)]))
