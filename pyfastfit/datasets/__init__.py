"""Small ready-to-use datasets: `digits` (bundled, 8x8 images) and `mnist` (downloaded)."""

import importlib

_MODULES = ("digits", "mnist")


def __getattr__(name):
    if name in _MODULES:
        mod = importlib.import_module(f"pyfastfit.datasets.{name}")
        globals()[name] = mod
        return mod
    raise AttributeError(f"module 'pyfastfit.datasets' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_MODULES))


__all__ = list(_MODULES)
