"""`keras.ops.custom_gradient`: a function with a user-defined backward pass."""

import functools

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap


def custom_gradient(f):
    """Decorates `f(*args) -> (outputs, grad_fn)` so that gradients with respect to its
    tensor arguments come from `grad_fn(upstream)` instead of differentiating `f`'s ops.

    `grad_fn` receives the gradient of the output (a Tensor; a list for several outputs)
    and returns one gradient per tensor argument (a single tensor when there is one).
    It may also be written `grad_fn(*args, upstream=None)`, as in Keras's examples.

    Example:

    >>> @ops.custom_gradient
    ... def clip_grad_identity(x):
    ...     return x * 1.0, lambda g: ops.clip(g, -1.0, 1.0)
    """

    @functools.wraps(f)
    def wrapper(*args, **kwargs):
        saved = _state.tapes
        _state.tapes = []  # f's own ops are not recorded: grad_fn replaces them
        try:
            outputs, grad_fn = f(*args, **kwargs)
        finally:
            _state.tapes = saved
        if not callable(grad_fn):
            raise TypeError("custom_gradient: the decorated function must return "
                            f"(outputs, grad_fn). Received: grad_fn={grad_fn!r}")
        multi = isinstance(outputs, (tuple, list))
        outs = tuple(outputs) if multi else (outputs,)
        if not all(isinstance(o, Tensor) for o in outs):
            raise TypeError("custom_gradient: outputs must be tensors. Received: "
                            f"{[type(o).__name__ for o in outs]}")
        fresh = tuple(wrap(o._c) for o in outs)  # new identities for the tape to track
        inputs = tuple(a for a in args if isinstance(a, Tensor))
        if _state.tapes and inputs:
            record("custom_gradient", inputs, fresh if multi else fresh[0], grad_fn,
                   (len(inputs), [o.shape for o in fresh], multi))
        return type(outputs)(fresh) if multi else fresh[0]

    return wrapper


__all__ = ["custom_gradient"]
