"""Layer: the base class of every layer and model.

Eager call path (`layer(x)`): convert NumPy inputs, resolve `training` (explicit argument,
else the enclosing call's value, else the `call` default), clear losses on the top-level
call, build on first call, run `call`. What `call` accepts is cached per class.
Symbolic call path (`layer(keras_tensor)`): build from the symbolic shape, infer the
output spec (`compute_output_shape`, else run `call` on a batch-size-1 stand-in) and
record a `Node` for the Functional API.

This module holds `Layer` itself (construction, attribute tracking, the call path and
config) and is where its helpers are imported from; `Layer` gets the rest from bases
kept by concern: weights (layer_weights.py), losses and metrics (layer_losses.py),
symbolic calls (layer_symbolic.py), with the shared call state in call_context.py and
config helpers in layer_config.py.
"""

from pyfastfit import backend
from pyfastfit import regularizers as regularizers_mod
from pyfastfit import ops
from pyfastfit.core import Tensor, Variable
from pyfastfit.layers import call_context as _call_context
from pyfastfit.layers.call_context import (  # noqa: F401 (also imported from here)
    _CallContext, _call_info, _convert, _ctx, _shape_of,
)
from pyfastfit.layers.keras_tensor import KerasTensor, any_symbolic, flatten
from pyfastfit.layers.layer_config import (  # noqa: F401 (also imported from here)
    _INIT_ARGS, _UNMODELLED_KEYS, _auto_config, _jsonable_shape, _tuple_shape,
    deserialize_layer, serialize_layer,
)
from pyfastfit.layers.layer_losses import (  # noqa: F401 (also imported from here)
    LossTrackingMixin, _check_metric_args, _check_not_symbolic,
)
from pyfastfit.layers.layer_symbolic import (  # noqa: F401 (also imported from here)
    SymbolicCallMixin, _specs_from_shapes,
)
from pyfastfit.layers.layer_weights import (  # noqa: F401 (also imported from here)
    _NO_TRACK, WeightTrackingMixin, _generation,
)

# Bound by assignment, not imported by name: CPython 3.11 compiles `name.get(...)` on an
# imported name as an attribute load plus call, slower than the method call on the
# hot `__call__` path.
_CALL_INFO = _call_context._CALL_INFO

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


class Layer(WeightTrackingMixin, LossTrackingMixin, SymbolicCallMixin):
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
