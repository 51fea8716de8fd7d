"""Fused optimizer updates: the one `_C` call that updates every variable of a step.

Optimizers (`pyfastfit.optimizers`) call these with cached lists of `_C.Tensor`s; they
are not part of the public `ops` namespace.
"""

from pyfastfit.core import to_c
from pyfastfit.core._c import _C

# update_(algo, params, grads, slots, learning_rate, iterations, hyper, clip_mode, clip,
#         weight_decay): in place, GIL released. See csrc/ops/optim.h for the layout.
update_ = _C.optimizer_update_


def global_norm(tensors):
    """L2 norm of all `tensors` together (None entries are skipped), as a float."""
    return _C.global_norm([to_c(t, "float32") for t in tensors if t is not None])


def as_c(x):
    """`_C.Tensor` of a gradient (Tensor, Variable or array-like) as float32."""
    return to_c(x, "float32")


__all__ = ["as_c", "global_norm", "update_"]
