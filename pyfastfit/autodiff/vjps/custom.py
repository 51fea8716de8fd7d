"""Backward rule of `ops.custom_gradient`: calls the user's grad_fn."""

from pyfastfit.core._c import _C
from pyfastfit.core.tensor import Tensor, to_c, wrap


def _custom(node, g):
    n_inputs, shapes, multi = node.attrs
    if multi:
        upstream = [wrap(x if x is not None else _C.zeros(list(s), "float32"))
                    for x, s in zip(g, shapes)]
    else:
        upstream = wrap(g)
    grads = node.saved(upstream)
    if isinstance(grads, Tensor) or not isinstance(grads, (tuple, list)):
        grads = (grads,)
    if len(grads) != n_inputs:
        raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradient(s) for "
                         f"{n_inputs} tensor argument(s)")
    return tuple(None if x is None else to_c(x, "float32") for x in grads)


RULES = {"custom_gradient": _custom}
