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

from pyfastfit.layers.keras_tensor import KerasTensor, any_symbolic, flatten

# Functions whose result is not a tensor, or that must not become graph nodes.
_NOT_SYMBOLIC = frozenset({
    "convert_to_numpy", "is_tensor", "dtype", "ndim", "size", "cond", "custom_gradient",
})
_WRAPPED = "_pyfastfit_symbolic"


def _symbolic_call(fn, name, args, kwargs):
    from pyfastfit.layers.layer import OpLayer

    tensor_keys = [k for k, v in kwargs.items()
                   if any(isinstance(t, KerasTensor) for t in flatten(v))]
    static = {k: v for k, v in kwargs.items() if k not in tensor_keys}
    n = len(args)

    def call(*a):
        kw = dict(static)
        kw.update(zip(tensor_keys, a[n:]))
        return fn(*a[:n], **kw)

    return OpLayer(call, name)(*args, *(kwargs[k] for k in tensor_keys))


def _wrap(fn, name):
    if getattr(fn, _WRAPPED, False):
        return fn
    if name == "shape":
        @functools.wraps(fn)
        def shape(x):
            if isinstance(x, KerasTensor):
                return x.shape  # None for unknown dims, as Keras
            return fn(x)
        setattr(shape, _WRAPPED, True)
        return shape

    @functools.wraps(fn)
    def op(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except TypeError:
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
        # ops.random holds the Dropout layer's kernel entry, never called symbolically.
        if isinstance(value, types.ModuleType) and value.__name__.startswith("pyfastfit.ops.") \
                and not leaf.startswith("_") and leaf != "random":
            _wrap_namespace(value, done)
