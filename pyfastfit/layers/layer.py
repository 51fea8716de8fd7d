"""Layer: the base class of every layer and model.

Eager call path (`layer(x)`): convert NumPy inputs, resolve `training` (explicit argument,
else the enclosing call's value, else the `call` default), clear losses on the top-level
call, build on first call, run `call`. What `call` accepts is cached per class.
Symbolic call path (`layer(keras_tensor)`): build from the symbolic shape, infer the
output spec (`compute_output_shape`, else run `call` on a batch-size-1 stand-in) and
record a `Node` for the Functional API.
"""

import inspect
import threading

import numpy as np

from pyfastfit import backend
from pyfastfit import initializers as initializers_mod
from pyfastfit import constraints as constraints_mod
from pyfastfit import regularizers as regularizers_mod
from pyfastfit import ops
from pyfastfit.core import Tensor, Variable
from pyfastfit.layers.keras_tensor import (
    KerasTensor, Node, any_symbolic, flatten, map_structure,
)
from pyfastfit.random.seed_generator import frozen_draws


class _CallContext(threading.local):
    def __init__(self):
        self.depth = 0
        self.training = None
        self.in_standin = False


_ctx = _CallContext()
# Bumped whenever a Layer/Variable/container attribute is set, a layer is created or a
# weight added: cached layer trees (`_tree_cache`) older than this are recomputed.
_generation = [0]
_CALL_INFO = {}  # class -> (accepts_training, training_default, accepts_mask)
# Attributes never scanned for sub-layers / variables.
_NO_TRACK = frozenset({
    "_inbound_nodes", "_outbound_nodes", "_losses", "_plan", "_metric_values", "_regularized",
    "_inputs_struct", "_outputs_struct", "_nodes_in_order", "_build_shapes",
    "_created_trainable", "_config_args", "_functional", "_tree_cache",
    "_tw_cache",  # the trainer's cached trainable_weights: not the model's own weights
})


def _call_info(cls):
    info = _CALL_INFO.get(cls)
    if info is None:
        try:
            params = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):
            params = {}
        p = params.get("training")
        has_var_kw = any(q.kind is inspect.Parameter.VAR_KEYWORD for q in params.values())
        accepts_training = p is not None or has_var_kw
        default = p.default if p is not None and p.default is not inspect.Parameter.empty else None
        info = (accepts_training, default, "mask" in params)
        _CALL_INFO[cls] = info
    return info


def _shape_of(x):
    if isinstance(x, (Tensor, KerasTensor, np.ndarray)):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return [_shape_of(v) for v in x]
    if isinstance(x, dict):
        return {k: _shape_of(v) for k, v in x.items()}
    if isinstance(x, (int, float)):
        return ()
    return None


# Layer class -> True when a nested call `layer(x)` on a built layer is just
# `layer.call(x)`: Layer.__call__ is not overridden and `call` takes no `training`
# argument (inside another layer's call, Layer.__call__ then only checks the input,
# counts the depth and leaves the training flag as it is).
_DIRECT = {}


def call_nested(layer, x):
    """`layer(x)` for a model's sublayer on one input, without Layer.__call__'s
    bookkeeping when that is a no-op (the same result and side effects)."""
    direct = _DIRECT.get(type(layer))
    if direct is None:
        cls = type(layer)
        direct = _DIRECT[cls] = cls.__call__ is Layer.__call__ and not _call_info(cls)[0]
    ctx = _ctx
    if direct and ctx.depth and layer.built and layer.activity_regularizer is None \
            and isinstance(x, Tensor):
        ctx.depth += 1
        try:
            return layer.call(x)
        finally:
            ctx.depth -= 1
    return layer(x)


def _convert(x):
    if isinstance(x, np.ndarray):
        return ops.convert_to_tensor(x)
    if isinstance(x, (list, tuple)) and x and any(isinstance(v, np.ndarray) for v in x):
        return type(x)(_convert(v) for v in x)
    if isinstance(x, dict) and any(isinstance(v, np.ndarray) for v in x.values()):
        return {k: _convert(v) for k, v in x.items()}
    return x


class Layer:
    """Base class of layers: holds weights, builds lazily, computes `call(inputs)`.

    Subclass it and implement `build(input_shape)` (create weights with `add_weight`) and
    `call(inputs, training=None)`. Layers and Variables assigned as attributes (also in
    lists and dicts) are tracked: their weights appear in `weights`, their losses in
    `losses`, and `training` flows to them.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: unique name; defaults to the snake_case class name (`dense`, `dense_1`).
        dtype: variable/compute dtype. Defaults to "float32".
        activity_regularizer: optional regularizer applied to the outputs.

    Example:

    ```python
    class Linear(keras.layers.Layer):
        def __init__(self, units=32):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units))
            self.b = self.add_weight(shape=(self.units,), initializer="zeros")

        def call(self, inputs):
            return keras.ops.matmul(inputs, self.w) + self.b
    ```
    """

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        # Keras 3's auto-config: the constructor arguments, when all are plain values, are
        # the config of a subclass that does not override get_config (saving only).
        obj.__dict__["_auto_config"] = _auto_config(cls, args, kwargs)
        return obj

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 input_shape=None, input_dim=None, batch_input_shape=None, batch_size=None,
                 input_dtype=None, **kwargs):
        if kwargs:
            bad = sorted(set(kwargs) - {"autocast", "input_length", "weights"})
            if bad:
                raise ValueError(f"Unrecognized keyword arguments passed to "
                                 f"{type(self).__name__}: {dict((k, kwargs[k]) for k in bad)}")
        d = self.__dict__
        _generation[0] += 1
        d["_tree_cache"] = None
        d["_trainable"] = bool(trainable)
        d["built"] = False
        d["_losses"] = []
        d["_metric_values"] = []
        d["_regularized"] = []
        d["_created_trainable"] = set()
        d["_own_weights"] = []
        d["_inbound_nodes"] = []
        d["_outbound_nodes"] = []
        if name is None:
            name = backend.unique_name(backend.to_snake_case(type(self).__name__))
        elif not isinstance(name, str):
            raise TypeError(f"Argument `name` must be a string. Received: name={name!r}")
        d["name"] = name
        if isinstance(dtype, dict):  # Keras 3 DTypePolicy config
            dtype = dtype.get("config", {}).get("name", "float32")
        d["_dtype"] = getattr(dtype, "name", dtype) or "float32"
        d["supports_masking"] = False
        self.activity_regularizer = regularizers_mod.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size,) + tuple(input_shape)
        d["_batch_input_shape"] = (tuple(batch_input_shape)
                                   if batch_input_shape is not None else None)

    # ------------------------------------------------------------------ tracking
    def __setattr__(self, name, value):
        if name == "trainable":
            type(self).trainable.fset(self, value)
            return
        if isinstance(value, (Layer, Variable, list, tuple, dict)):
            _generation[0] += 1
        object.__setattr__(self, name, value)

    def _direct_children(self):
        """Yields (kind, obj) for Variables and Layers held as attributes, in order."""
        for key, value in self.__dict__.items():
            if key in _NO_TRACK:
                continue
            if isinstance(value, (Layer, Variable)):
                yield value
            elif isinstance(value, (list, tuple)):
                for v in value:
                    if isinstance(v, (Layer, Variable)):
                        yield v
            elif isinstance(value, dict):
                for v in value.values():
                    if isinstance(v, (Layer, Variable)):
                        yield v

    def _own_and_sub(self):
        own, subs, seen = [], [], set()
        for obj in self._direct_children():
            if id(obj) in seen or obj is self:
                continue
            seen.add(id(obj))
            (subs if isinstance(obj, Layer) else own).append(obj)
        return own, subs

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

    # ------------------------------------------------------------------ losses
    def add_loss(self, loss):
        """Adds a loss tensor (e.g. an activity penalty) for this forward pass; a
        non-scalar one counts as its sum.

        A zero-argument callable (Keras 2 style, e.g. `lambda: ops.mean(layer.kernel)`)
        is kept instead and called each time `losses` is read.
        """
        if callable(loss) and not isinstance(loss, (Tensor, Variable)):
            self.__dict__.setdefault("_callable_losses", []).append(loss)
            return
        if _ctx.in_standin:
            return
        _check_not_symbolic(self, loss, "add_loss")
        self._losses.append(loss)

    def add_metric(self, value, name=None, aggregation="mean"):
        """Records a metric value for this forward pass (Keras 2's `add_metric`):
        `fit`/`evaluate` log the mean of the values over the epoch as `name`.

        Args:
            value: a tensor (its elements are averaged).
            name: the name in the logs (required).
            aggregation: "mean" (or None, read as "mean").
        """
        if _ctx.in_standin:
            return
        _check_metric_args(name, aggregation)
        _check_not_symbolic(self, value, "add_metric")
        self._metric_values.append((name, value, aggregation))

    @property
    def losses(self):
        """Losses from `add_loss` of the last call (this layer and nested ones), plus the
        weight-regularization penalties computed from the current weights."""
        out = []
        layers = self._flatten_layers()
        for layer in layers:
            out.extend(layer._losses)
        for layer in layers:
            for fn in layer.__dict__.get("_callable_losses", ()):
                out.append(fn())
        for layer in layers:
            for v, reg in layer._regularized:
                if v.trainable or not layer._trainable:
                    out.append(reg(v))
        return out

    def _clear_losses(self):
        for layer in self._tree()[0]:
            if layer._losses:
                layer._losses.clear()
            if layer._metric_values:
                layer._metric_values.clear()

    @property
    def _added_metric_values(self):
        """[(name, value, aggregation)] recorded by `add_metric` in the last call."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._metric_values)
        return out

    # ------------------------------------------------------------------ building
    def build(self, input_shape=None):
        """Creates the weights for inputs of `input_shape`; sets `built`."""
        self.__dict__["built"] = True

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` method "
                                  "implemented.")

    def _maybe_build(self, args, kwargs):
        shape = _shape_of(args[0]) if args else _shape_of(next(iter(kwargs.values()), None))
        if type(self).build is not Layer.build:
            self.build(shape)
        self.__dict__["built"] = True
        self.__dict__.setdefault("_build_shapes", shape)

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the output (Keras): the input's mask, unchanged. Used only when
        `supports_masking` is True; layers that change or consume the mask override it."""
        return previous_mask

    def compute_output_shape(self, *args, **kwargs):
        """Output shape for the given input shape(s) (None for unknown dims)."""
        raise NotImplementedError(
            f"Layer {type(self).__name__} should implement `def compute_output_shape("
            "self, input_shape)`.")

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs for symbolic inputs (shape and dtype only)."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shapes = [_shape_of(a) for a in args]
            try:
                out_shape = self.compute_output_shape(*shapes)
            except NotImplementedError:
                out_shape = None
            if out_shape is not None:
                return _specs_from_shapes(out_shape, self._dtype)
        return self._standin_spec(args, kwargs)

    def _standin_spec(self, args, kwargs):
        """Runs `call` on zeros with unknown dims set to 1 and reads the output spec."""
        def materialize(t):
            if isinstance(t, KerasTensor):
                shape = tuple(1 if d is None else d for d in t.shape)
                return ops.convert_to_tensor(np.zeros(shape, dtype=t.dtype))
            return t

        batch_unknown = any(isinstance(t, KerasTensor) and t.shape and t.shape[0] is None
                            for t in flatten((args, kwargs)))
        r_args = map_structure(materialize, args)
        r_kwargs = map_structure(materialize, kwargs)
        prev = _ctx.in_standin
        _ctx.in_standin = True
        try:
            with frozen_draws():  # SeedGenerators stay as they were
                out = self.call(*r_args, **r_kwargs)
        finally:
            _ctx.in_standin = prev

        def spec(t):
            if isinstance(t, (Tensor, np.ndarray)):
                shape = tuple(t.shape)
                if batch_unknown and shape:
                    shape = (None,) + shape[1:]
                return KerasTensor(shape, str(t.dtype))
            return t

        return map_structure(spec, out)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if args:
            first = args[0]
            if not isinstance(first, Tensor):
                if any_symbolic(args, kwargs):
                    return self._symbolic_call(args, kwargs)
                args = (_convert(first),) + args[1:]
            elif len(args) > 1 and any_symbolic(args, kwargs):
                return self._symbolic_call(args, kwargs)
        elif any_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        info = _CALL_INFO.get(type(self)) or _call_info(type(self))
        accepts_training, default, accepts_mask = info
        ctx = _ctx
        training = kwargs.get("training")
        if training is None:
            training = ctx.training
            if training is None:
                training = default
        if accepts_training:
            kwargs["training"] = training
        else:
            kwargs.pop("training", None)
        if "mask" in kwargs and not accepts_mask:
            kwargs.pop("mask")
        outer = ctx.depth == 0
        if outer and not ctx.in_standin:
            self._clear_losses()
        if not self.built:
            self._maybe_build(args, kwargs)
        prev = ctx.training
        ctx.training = training
        ctx.depth += 1
        try:
            out = self.call(*args, **kwargs)
        finally:
            ctx.depth -= 1
            ctx.training = prev
        if self.activity_regularizer is not None:
            for o in flatten(out):
                self.add_loss(ops.divide(self.activity_regularizer(o),
                                         float(o.shape[0]) if o.shape else 1.0))
        return out

    def _symbolic_call(self, args, kwargs):
        kwargs = dict(kwargs)
        accepts_training = _call_info(type(self))[0]
        if not accepts_training:
            kwargs.pop("training", None)
        if "mask" in kwargs and not _call_info(type(self))[2]:
            kwargs.pop("mask")
        if not self.built:
            self._maybe_build(args, kwargs)
        outputs = self.compute_output_spec(*args, **kwargs)
        node_index = len(self._inbound_nodes)
        tensors = [t for t in flatten(outputs) if isinstance(t, KerasTensor)]
        for i, t in enumerate(tensors):
            t._keras_history = (self, node_index, i)
            t.name = self.name if len(tensors) == 1 else f"{self.name}_{i}"
        node = Node(self, args, kwargs, outputs)
        self._inbound_nodes.append(node)
        for t in node.inputs:
            if t._keras_history is not None:
                t._keras_history[0]._outbound_nodes.append(node)
        return outputs

    # ------------------------------------------------------------------ functional
    def _single_node_attr(self, attr, what):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer '{self.name}' has no inbound nodes: it was never "
                                 f"called on symbolic inputs, so it has no {what}.")
        node = self._inbound_nodes[0]
        if attr == "input":
            inputs = node.args[0] if len(node.args) == 1 and not node.kwargs else node.inputs
            return inputs
        return node.output_structure

    @property
    def input(self):
        """The symbolic input of the layer's first call (Functional API)."""
        return self._single_node_attr("input", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call (Functional API)."""
        return self._single_node_attr("output", "output")

    def get_input_at(self, node_index):
        return self._inbound_nodes[node_index].args[0]

    def get_output_at(self, node_index):
        return self._inbound_nodes[node_index].output_structure

    # ------------------------------------------------------------------ misc
    @property
    def dtype(self):
        """The layer's dtype name ("float32")."""
        return self._dtype

    compute_dtype = dtype
    variable_dtype = dtype

    @property
    def dtype_policy(self):
        return self._dtype

    @property
    def input_dtype(self):
        return self._dtype

    @property
    def path(self):
        return self.name

    def get_config(self):
        """Constructor arguments as a JSON-friendly dict (Keras 3 keys)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers_mod.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        """Recreates a layer from `get_config()`'s dict."""
        config = dict(config)
        if "batch_shape" in config and "batch_input_shape" not in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        for key in _UNMODELLED_KEYS:  # Keras 3 options pyfastfit has no use for when unset
            if key in config and config[key] is None:
                del config[key]
        try:
            return cls(**config)
        except TypeError as e:
            raise TypeError(
                f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                f"Exception encountered: {e}") from e

    def get_build_config(self):
        """`{"input_shape": ...}` once built from a known shape (Keras 3 saving format)."""
        shape = self.__dict__.get("_build_shapes")
        if self.built and shape is not None:
            return {"input_shape": _jsonable_shape(shape)}
        return None

    def build_from_config(self, config):
        """Builds the layer from `get_build_config()`'s dict."""
        if config and not self.built:
            shape = config.get("input_shape")
            if shape is not None:
                shape = _tuple_shape(shape)
                if type(self).build is not Layer.build:
                    self.build(shape)
                self.__dict__["built"] = True
                self.__dict__["_build_shapes"] = shape

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


_UNMODELLED_KEYS = ("quantization_config", "lora_rank", "lora_alpha")
_INIT_ARGS = {}


def _auto_config(cls, args, kwargs):
    names = _INIT_ARGS.get(cls)
    if names is None:
        try:
            names = _INIT_ARGS[cls] = inspect.getfullargspec(cls.__init__).args[1:]
        except TypeError:
            names = _INIT_ARGS[cls] = []
    if len(args) > len(names):
        return None
    config = dict(zip(names, args))
    config.update(kwargs)

    def plain(v):
        if isinstance(v, (list, tuple)):
            return all(plain(x) for x in v)
        if isinstance(v, dict):
            return all(isinstance(k, str) and plain(x) for k, x in v.items())
        return v is None or isinstance(v, (str, int, float, bool))

    return config if plain(config) else None


def _jsonable_shape(shape):
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_jsonable_shape(s) for s in shape]
    return list(shape) if shape is not None else None


def _tuple_shape(shape):
    if isinstance(shape, dict):
        return {k: _tuple_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_tuple_shape(s) for s in shape]
    return tuple(shape)


def _specs_from_shapes(shape, dtype):
    if isinstance(shape, dict):
        return {k: _specs_from_shapes(v, dtype) for k, v in shape.items()}
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and
                                   isinstance(shape[0], (tuple, list))):
        return [_specs_from_shapes(s, dtype) for s in shape]
    return KerasTensor(tuple(shape), dtype)


def _check_metric_args(name, aggregation):
    """Keras 2's checks of `add_metric`'s name and aggregation."""
    if not name or not isinstance(name, str):
        raise ValueError("Please provide a name for your metric like "
                         "`self.add_metric(ops.sum(inputs), name='mean_activation')`. "
                         f"Received: name={name!r}")
    if aggregation not in ("mean", None):
        raise ValueError("We currently support only `mean` aggregation for `add_metric`. "
                         f"Received: aggregation={aggregation!r}")


def _check_not_symbolic(layer, value, method):
    if any(isinstance(t, KerasTensor) for t in flatten(value)):
        raise ValueError(
            f"`{method}` of {type(layer).__name__} '{layer.name}' received a symbolic "
            "tensor. Only a Functional model (`Model(inputs, outputs)`) records losses and "
            "metrics computed from its graph; call its `add_loss` / `add_metric`, or add "
            f"real values inside `call()`. Received: {value!r:.200}")


def serialize_layer(layer):
    """Keras 3 config dict of a layer: module, class_name, config, registered_name
    (and build_config). See `pyfastfit.saving.serialize_keras_object`."""
    from pyfastfit.saving import serialization_lib

    return serialization_lib.serialize_keras_object(layer)


def deserialize_layer(config, custom_objects=None):
    """Layer (or model) from `serialize_layer`'s dict; classes are looked up only among
    pyfastfit's layers and models, registered objects and `custom_objects`."""
    from pyfastfit.saving import serialization_lib

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("Could not interpret serialized layer: expected a dict with "
                         f"'class_name' and 'config'. Received: config={config!r}")
    config = dict(config)
    config.setdefault("config", {})
    if config.get("module") is None and config.get("registered_name") is None:
        config["module"] = "keras.layers"  # Keras 2 configs name no module
    return serialization_lib.deserialize_keras_object(config, custom_objects=custom_objects)


class OpLayer(Layer):
    """Wraps one `pyfastfit.ops` function so that operators on symbolic tensors
    (`x + 1`, `x * y`, `x[:, 0]`) become graph nodes. Not serializable."""

    def __init__(self, fn, op_name, **kwargs):
        super().__init__(name=backend.unique_name(op_name), **kwargs)
        self.fn = fn
        self.op_name = op_name
        self.built = True

    def call(self, *args):
        return self.fn(*args)

    def get_config(self):
        raise ValueError(f"Layer '{self.name}' wraps the operator `{self.op_name}` applied to a "
                         "symbolic tensor and cannot be serialized; use a Lambda layer or a "
                         "custom layer instead.")


def _install_operators():
    def binary(op_name, reverse=False):
        def method(self, other):
            fn = getattr(ops, op_name)
            if reverse:
                return OpLayer(lambda a, b: fn(b, a), op_name)(self, other)
            return OpLayer(fn, op_name)(self, other)
        return method

    for dunder, op_name in (("add", "add"), ("sub", "subtract"), ("mul", "multiply"),
                            ("truediv", "divide"), ("pow", "power"), ("matmul", "matmul")):
        setattr(KerasTensor, f"__{dunder}__", binary(op_name))
        setattr(KerasTensor, f"__r{dunder}__", binary(op_name, reverse=True))
    KerasTensor.__neg__ = lambda self: OpLayer(ops.negative, "negative")(self)
    KerasTensor.__getitem__ = lambda self, key: OpLayer(
        lambda x: ops.getitem(x, key), "get_item")(self)


_install_operators()
