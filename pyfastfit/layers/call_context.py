"""Layer call state shared by the Layer modules: the per-thread call context (nesting
depth, the enclosing call's `training`, stand-in runs), the per-class cache of what
`call` accepts, and the input helpers of `Layer.__call__`.
"""

import inspect
import threading

import numpy as np

from pyfastfit import ops
from pyfastfit.core import Tensor
from pyfastfit.layers.keras_tensor import KerasTensor


class _CallContext(threading.local):
    def __init__(self):
        self.depth = 0
        self.training = None
        self.in_standin = False


_ctx = _CallContext()
_CALL_INFO = {}  # class -> (accepts_training, training_default, accepts_mask)


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


def _convert(x):
    if isinstance(x, np.ndarray):
        return ops.convert_to_tensor(x)
    if isinstance(x, (list, tuple)) and x and any(isinstance(v, np.ndarray) for v in x):
        return type(x)(_convert(v) for v in x)
    if isinstance(x, dict) and any(isinstance(v, np.ndarray) for v in x.values()):
        return {k: _convert(v) for k, v in x.items()}
    return x
