"""Global state shared by layers: name counters, the global random seed, floatx.

`clear_session()` resets the layer-name counters (`dense`, `dense_1`, ...);
`set_random_seed(seed)` makes initializers and Dropout deterministic.
"""

import random as _py_random
import re
import threading

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7



_state = {"uids": {}, "seed": None, "rng": np.random.default_rng()}
_lock = threading.Lock()


def floatx():
    """The default float dtype name ("float32")."""
    return _FLOATX


def epsilon():
    """The fuzz factor used in numeric expressions (1e-7)."""
    return _EPSILON


def image_data_format():
    """The image layout convention ("channels_last")."""
    return "channels_last"


def get_uid(prefix="default"):
    """Returns 1, 2, 3, ... on successive calls with the same prefix."""
    with _lock:
        uids = _state["uids"]
        uids[prefix] = uids.get(prefix, 0) + 1
        return uids[prefix]


def to_snake_case(name):
    """`"MyDense2D"` -> `"my_dense2d"` (Keras's rule)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
    return name


def unique_name(base):
    """`base` the first time, then `base_1`, `base_2`, ... until `clear_session()`."""
    uid = get_uid(base)
    return base if uid == 1 else f"{base}_{uid - 1}"


def clear_session(free_memory=True):
    """Resets the global state: layer-name counters start again at `dense`, `dense_1`.

    Example:

    >>> pyfastfit.backend.clear_session()
    """
    with _lock:
        _state["uids"] = {}


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy's global RNG and pyfastfit's generator.

    Initializers and Dropout layers created afterwards draw their seeds from this
    generator, so the same seed gives the same weights and the same dropout masks.

    Args:
        seed: a non-negative integer.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"Expected `seed` to be a non-negative integer. Received: seed={seed!r}")
    seed = int(seed)
    _py_random.seed(seed)
    np.random.seed(seed)
    _state["seed"] = seed
    _state["rng"] = np.random.default_rng(seed)


def draw_seed():
    """A fresh 63-bit seed from the global generator (deterministic after
    `set_random_seed`)."""
    return int(_state["rng"].integers(0, 2**63 - 1))


__all__ = ["clear_session", "draw_seed", "epsilon", "floatx", "get_uid", "image_data_format",
           "set_random_seed", "to_snake_case", "unique_name"]
