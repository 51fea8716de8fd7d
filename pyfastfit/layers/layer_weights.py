"""The weight side of `Layer`: the tree of tracked sub-layers and Variables (cached per
generation), the `weights` / `trainable_weights` views in Keras's order, `trainable`,
and weight creation (`add_weight`) and access (`get_weights`, `set_weights`).

`WeightTrackingMixin` is a base of `Layer` (pyfastfit.layers.layer) and only makes
sense there: it relies on `Layer._own_and_sub` and the attribute tracking of
`Layer.__setattr__`.
"""

import numpy as np

from pyfastfit import initializers as initializers_mod
from pyfastfit import constraints as constraints_mod
from pyfastfit import regularizers as regularizers_mod
from pyfastfit.core import Variable

# Bumped whenever a Layer/Variable/container attribute is set, a layer is created or a
# weight added: cached layer trees (`_tree_cache`) older than this are recomputed.
_generation = [0]
# Attributes never scanned for sub-layers / variables.
_NO_TRACK = frozenset({
    "_inbound_nodes", "_outbound_nodes", "_losses", "_plan", "_metric_values", "_regularized",
    "_inputs_struct", "_outputs_struct", "_nodes_in_order", "_build_shapes",
    "_created_trainable", "_config_args", "_functional", "_tree_cache",
    "_tw_cache",  # the trainer's cached trainable_weights: not the model's own weights
})


class WeightTrackingMixin:
    """Part of `Layer`: weight tracking and creation (see the module docstring)."""

    def _tree(self):
        """(all layers depth-first incl. self, all variables), cached per generation."""
        cache = self.__dict__.get("_tree_cache")
        if cache is not None and cache[0] == _generation[0]:
            return cache[1], cache[2]
        flat = self._flatten_layers_uncached()
        out, seen = [], set()
        for layer in flat:
            own = layer._own_and_sub()[0]
            # Keras's order: layer by layer, each layer's weights created trainable
            # first (BatchNormalization: gamma, beta, moving_mean, moving_variance).
            created = layer.__dict__.get("_created_trainable", ())
            own = ([v for v in own if id(v) in created]
                   + [v for v in own if id(v) not in created])
            for v in own:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        self.__dict__["_tree_cache"] = (_generation[0], flat, out)
        return flat, out

    def _flatten_layers(self, include_self=True, recursive=True):
        if recursive:
            flat = self._tree()[0]
            return list(flat) if include_self else flat[1:]
        out = [self] + self._own_and_sub()[1]
        return out if include_self else out[1:]

    def _flatten_layers_uncached(self):
        recursive, include_self = True, True
        out, seen = [], set()

        def visit(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            if recursive or layer is self:
                for sub in layer._own_and_sub()[1]:
                    visit(sub)

        visit(self)
        return out if include_self else out[1:]

    def _all_variables(self):
        return list(self._tree()[1])

    @property
    def weights(self):
        """All weights of this layer and nested layers, in Keras's order: layer by layer
        (depth first), each layer's trainable weights before its non-trainable ones, so
        `get_weights()` / `set_weights()` line up with Keras's."""
        return self._all_variables()

    @property
    def variables(self):
        return self._all_variables()

    @property
    def trainable_weights(self):
        """Weights updated by training."""
        if not self._trainable:
            return []
        return [v for v in self._all_variables() if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        """Weights not updated by training (frozen layers' weights included)."""
        if not self._trainable:
            return self._all_variables()
        return [v for v in self._all_variables() if not v.trainable]

    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        """Whether the layer trains; setting it freezes/unfreezes nested weights."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers():
            layer.__dict__["_trainable"] = value
            for v in layer._own_and_sub()[0]:
                if id(v) in layer._created_trainable:
                    v.trainable = value

    @property
    def layers(self):
        """Direct sub-layers."""
        return self._flatten_layers(include_self=False, recursive=False)

    # ------------------------------------------------------------------ weights
    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True,
                   autocast=True, regularizer=None, constraint=None, aggregation="none",
                   overwrite_with_gradient=False, name=None):
        """Creates a weight Variable tracked by this layer.

        Args:
            shape: shape tuple. Defaults to `()`.
            initializer: name, Initializer or callable. Defaults to "glorot_uniform"
                for floats, "zeros" otherwise.
            dtype: dtype name. Defaults to the layer dtype.
            trainable: whether training updates it.
            regularizer: name or Regularizer; its penalty is added to `losses`.
            constraint: name, Constraint or callable `w -> w'`, applied by the
                optimizer after each update (stored as `variable.constraint`).
            name: variable name.

        Returns:
            A `pyfastfit.Variable`.
        """
        shape = () if shape is None else tuple(int(s) for s in shape)
        dtype = getattr(dtype, "name", dtype) or self._dtype
        if initializer is None:
            initializer = "glorot_uniform" if "float" in dtype else "zeros"
        init = initializers_mod.get(initializer)
        value = init(shape, dtype=dtype)
        v = Variable(value, dtype=dtype, trainable=trainable, name=name or "variable",
                     aggregation=aggregation)
        v.path = f"{self.name}/{v.name}"
        if trainable:
            self._created_trainable.add(id(v))
        if not self._trainable:
            v.trainable = False
        regularizer = regularizers_mod.get(regularizer)
        if regularizer is not None:
            self._regularized.append((v, regularizer))
        v.constraint = constraints_mod.get(constraint)
        self._own_weights.append(v)
        _generation[0] += 1
        return v

    def get_weights(self):
        """The weights' values as a list of NumPy arrays."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        """Sets the weights from a list of arrays (same order and shapes as `get_weights`)."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list "
                f"of length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if tuple(w.shape) != tuple(v.shape):
                raise ValueError(
                    f"Layer {self.name} weight shape {tuple(v.shape)} is not compatible with "
                    f"provided weight shape {tuple(w.shape)}.")
        for v, w in zip(params, weights):
            v.assign(np.asarray(w, dtype=v.dtype))

    def count_params(self):
        """Total number of scalars in the weights."""
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't "
                "built. You can build it manually via: `layer.build(input_shape)`.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))
