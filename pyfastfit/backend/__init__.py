"""Global state shared by layers, as `keras.backend`: name counters, the global random
seed, and the `floatx` / `epsilon` / `image_data_format` settings.

`clear_session()` resets the layer-name counters (`dense`, `dense_1`, ...);
`set_random_seed(seed)` makes initializers and Dropout deterministic.
"""

import random as _py_random
import re
import sys
import threading

import numpy as np

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_KERAS_FLOATX = ("bfloat16", "float16", "float32", "float64")

_state = {"uids": {}, "seed": None, "rng": np.random.default_rng()}
_lock = threading.Lock()


def backend():
    """The name of the backend: "pyfastfit".

    pyfastfit is its own backend (C++ kernels), not TensorFlow, JAX or PyTorch, so
    Keras code that branches with `if keras.backend.backend() == "tensorflow":` takes
    its backend-neutral path, which is the one written with `keras.ops` and runs here.
    Returning "tensorflow" would send such code to `tf.*` calls on pyfastfit tensors.
    """
    return "pyfastfit"


def floatx():
    """The default float dtype name, "float32" (the only one pyfastfit supports)."""
    return _FLOATX


def set_floatx(value):
    """Sets the default float type; pyfastfit supports only "float32".

    Args:
        value: "float32". Keras's other names ("float16", "bfloat16", "float64")
            raise a ValueError saying only float32 is supported.
    """
    name = value if isinstance(value, str) else None
    if name is None and value is not None:
        try:  # NumPy dtypes and scalar types
            name = standardize_dtype(value)
        except ValueError:
            pass
    if name not in _KERAS_FLOATX:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of "
                         f"{list(_KERAS_FLOATX)}")
    if name != "float32":
        raise ValueError(f"pyfastfit supports only floatx='float32'; its kernels compute in "
                         f"float32. Received: value={value!r}")


def epsilon():
    """The fuzz factor used in numeric expressions (default 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    """Sets the fuzz factor returned by `epsilon()` (read by code that calls it).

    pyfastfit's built-in losses, metrics, constraints and C++ kernels keep Keras's
    default 1e-7, as compiled constants.

    Args:
        value: a finite float >= 0.
    """
    global _EPSILON
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not np.isfinite(value) or value < 0:
        raise ValueError(f"`epsilon` must be a finite float >= 0. Received: value={value!r}")
    _EPSILON = float(value)


def image_data_format():
    """The default image layout: "channels_last" (default) or "channels_first"."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Sets the default image layout used by layers created with `data_format=None`.

    Args:
        data_format: "channels_last" or "channels_first".
    """
    global _IMAGE_DATA_FORMAT
    fmt = str(data_format).lower() if isinstance(data_format, str) else data_format
    if fmt not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format!r}")
    _IMAGE_DATA_FORMAT = fmt


def standardize_dtype(dtype):
    """The canonical dtype name ("float32", "int64", ...) of a dtype-like value;
    None gives `floatx()`."""
    if dtype is None:
        return floatx()
    name = getattr(dtype, "name", None)
    try:
        return np.dtype(name if isinstance(name, str) else dtype).name
    except TypeError:
        raise ValueError(f"Invalid dtype: {dtype!r}") from None


def is_float_dtype(dtype):
    """Whether `dtype` is a floating-point dtype."""
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    """Whether `dtype` is a (signed or unsigned) integer dtype."""
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x):
    """Whether `x` is a symbolic tensor of the Functional API (a `KerasTensor`)."""
    # No KerasTensor can exist before the layers package is imported; importing it here
    # would point the imports upward.
    module = sys.modules.get("pyfastfit.layers.keras_tensor")
    return module is not None and isinstance(x, module.KerasTensor)


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


__all__ = ["backend", "clear_session", "draw_seed", "epsilon", "floatx", "get_uid",
           "image_data_format", "is_float_dtype", "is_int_dtype", "is_keras_tensor",
           "set_epsilon", "set_floatx", "set_image_data_format", "set_random_seed",
           "standardize_dtype", "to_snake_case", "unique_name"]
