"""`set_random_seed`: one call seeds every random number generator pyfastfit uses."""

import importlib
import random

import numpy as np

# Names under which the backend may expose its seed setter, tried in order.
_BACKEND_SEED_FUNCTIONS = (
    ("pyfastfit.backend", "set_random_seed"),
    ("pyfastfit.backend", "set_seed"),
    ("pyfastfit.backend.random", "set_seed"),
    ("pyfastfit.backend.random", "set_random_seed"),
)


def set_random_seed(seed):
    """Sets all random seeds (Python `random`, NumPy, and pyfastfit's backend), as
    `keras.utils.set_random_seed`.

    After this, weight initialization, `Dropout`, `fit(shuffle=True)`,
    `Dataset.shuffle`, and `keras.random` draws and `SeedGenerator`s without an
    explicit seed are reproducible.

    Args:
        seed: a non-negative integer.

    Example:

    ```python
    pyfastfit.utils.set_random_seed(1337)
    ```
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(
            "Expected `seed` argument to be an integer. "
            f"Received: seed={seed!r} (of type {type(seed)})"
        )
    if seed < 0:
        raise ValueError(f"Expected `seed` to be >= 0. Received: seed={seed}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    fn = _backend_seed_function()
    if fn is not None:
        fn(seed)


def _backend_seed_function():
    for module_name, attr in _BACKEND_SEED_FUNCTIONS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        fn = getattr(module, attr, None)
        if callable(fn):
            return fn
    return None
