"""pyfastfit: the Keras training stack with its numeric work in C++.

Use it as Keras: `import pyfastfit as keras`. Subpackages are imported on first use so
`import pyfastfit` stays fast.
"""

import importlib

__version__ = "0.1.0"

from pyfastfit import config  # noqa: E402
from pyfastfit import ops  # noqa: E402
from pyfastfit.autodiff import GradientTape  # noqa: E402
from pyfastfit.capture import function  # noqa: E402
from pyfastfit.core import Tensor, Variable  # noqa: E402

_SUBPACKAGES = (
    "activations", "backend", "callbacks", "constraints", "data", "datasets", "initializers",
    "layers",
    "losses", "metrics", "models", "optimizers", "random", "regularizers", "saving",
    "trainers",
    "utils",
)
# Top-level names that live in a subpackage: name -> (module, attribute).
_LAZY = {
    "Input": ("pyfastfit.layers", "Input"),
    "InputLayer": ("pyfastfit.layers", "InputLayer"),
    "Layer": ("pyfastfit.layers", "Layer"),
    "Model": ("pyfastfit.models", "Model"),
    "Sequential": ("pyfastfit.models", "Sequential"),
}


def __getattr__(name):
    if name in _SUBPACKAGES:
        mod = importlib.import_module(f"pyfastfit.{name}")
        globals()[name] = mod
        return mod
    if name in _LAZY:
        mod_name, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod_name), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'pyfastfit' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBPACKAGES) | set(_LAZY))


__all__ = ["GradientTape", "Tensor", "Variable", "__version__", "config", "function", "ops",
           *_SUBPACKAGES, *_LAZY]
