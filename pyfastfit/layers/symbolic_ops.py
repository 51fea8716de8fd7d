"""`ops.*` on symbolic tensors: `ops.mean(x)` with a KerasTensor `x` adds a graph node.

Keras 3 lets every `keras.ops` function take KerasTensors and returns a KerasTensor
(so `model.add_loss(ops.mean(x) * 0.1)` records how to compute the loss). pyfastfit's
ops are eager C++ calls; `install()` wraps the public functions of the `ops` namespaces
so that a call that fails on a KerasTensor argument (it cannot become an array) is
retried as a graph node (an `OpLayer` calling the same function). Eager calls pay one
extra Python frame and no checks: the symbolic branch runs only after the TypeError.
"""

import functools
import types

from pyfastfit.layers.keras_tensor import KerasTensor, any_symbolic, flatten, map_structure
from pyfastfit.random.seed_generator import frozen_draws

# Functions whose result is not a tensor, or that must not become graph nodes.
_NOT_SYMBOLIC = frozenset({
    "convert_to_numpy", "is_tensor", "size", "cond", "custom_gradient",
})
# Functions that read a symbolic tensor's metadata directly, as Keras.
_METADATA = {"shape": lambda x: x.shape, "ndim": lambda x: len(x.shape),
             "dtype": lambda x: x.dtype}
_WRAPPED = "_pyfastfit_symbolic"


def _spec(out, batch_dims):
    """KerasTensors for the outputs of a stand-in run; dims in `batch_dims` are None."""
    from pyfastfit.core import Tensor

    if isinstance(out, (list, tuple)):
        return type(out)(_spec(o, batch_dims) for o in out)
    if isinstance(out, dict):
        return {k: _spec(v, batch_dims) for k, v in out.items()}
    if isinstance(out, Tensor):
        shape = tuple(None if i in batch_dims else d for i, d in enumerate(out.shape))
        return KerasTensor(shape, str(out.dtype))
    return out


def _shapes(out):
    return [tuple(t.shape) for t in flatten(out) if hasattr(t, "shape")]


def _op_layer_class():
    from pyfastfit.layers.layer import OpLayer, _ctx

    class SymbolicOp(OpLayer):
        """An `ops` function applied to symbolic tensors. Its output spec comes from two
        stand-in runs (unknown dims as 1, then as 2): the output dims that change are
        the unknown ones, so reducing over the batch axis keeps the other sizes."""

        def compute_output_spec(self, *args, **kwargs):
            import numpy as np

            from pyfastfit import ops

            def run(size):
                def real(t):
                    if isinstance(t, KerasTensor):
                        shape = tuple(size if d is None else d for d in t.shape)
                        return ops.convert_to_tensor(np.zeros(shape, dtype=t.dtype))
                    return t
                prev = _ctx.in_standin
                _ctx.in_standin = True
                try:
                    with frozen_draws():  # SeedGenerators stay as they were
                        return self.call(*(map_structure(real, a) for a in args))
                finally:
                    _ctx.in_standin = prev

            first = run(1)
            try:
                second = _shapes(run(2))
            except Exception:  # the op needs the size-1 dims: fall back to the layer rule
                return OpLayer.compute_output_spec(self, *args, **kwargs)
            dims = set()
            for a, b in zip(_shapes(first), second):
                dims.update(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
            return _spec(first, dims)

    return SymbolicOp


_CLASS = []


def _symbolic_call(fn, name, args, kwargs):
    if not _CLASS:
        _CLASS.append(_op_layer_class())
    tensor_keys = [k for k, v in kwargs.items()
                   if any(isinstance(t, KerasTensor) for t in flatten(v))]
    static = {k: v for k, v in kwargs.items() if k not in tensor_keys}
    n = len(args)

    def call(*a):
        kw = dict(static)
        kw.update(zip(tensor_keys, a[n:]))
        return fn(*a[:n], **kw)

    return _CLASS[0](call, name)(*args, *(kwargs[k] for k in tensor_keys))


def _wrap(fn, name):
    if getattr(fn, _WRAPPED, False):
        return fn
    if name in _METADATA:
        read = _METADATA[name]

        @functools.wraps(fn)
        def metadata(x, *args, **kwargs):
            if isinstance(x, KerasTensor):
                return read(x)  # shape: None for unknown dims, as Keras
            return fn(x, *args, **kwargs)
        setattr(metadata, _WRAPPED, True)
        return metadata

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (TypeError, ValueError):
            # A KerasTensor cannot become an array; a real error re-raises below, or
            # from the stand-in run of the symbolic call.
            if not any_symbolic(args, kwargs):
                raise
        return _symbolic_call(fn, name, args, kwargs)

    setattr(op, _WRAPPED, True)
    return op


def _wrap_namespace(module, done):
    for name, value in list(vars(module).items()):
        if name.startswith("_") or name in _NOT_SYMBOLIC:
            continue
        if isinstance(value, types.FunctionType) and \
                (value.__module__ or "").startswith("pyfastfit.ops"):
            wrapped = done.get(id(value))
            if wrapped is None:
                wrapped = done[id(value)] = _wrap(value, name)
            setattr(module, name, wrapped)


def install():
    """Wraps the public functions of `pyfastfit.ops` and of its public namespaces
    (`ops.numpy`, `ops.nn`, ... where they are their own modules; internal modules,
    whose names start with an underscore, are left alone so internal calls pay
    nothing). One function reachable under two names gets one wrapper."""
    from pyfastfit import ops

    done = {}
    _wrap_namespace(ops, done)
    for value in list(vars(ops).values()):
        leaf = getattr(value, "__name__", "").rsplit(".", 1)[-1]
        if isinstance(value, types.ModuleType) and value.__name__.startswith("pyfastfit.ops.") \
                and not leaf.startswith("_"):
            _wrap_namespace(value, done)
