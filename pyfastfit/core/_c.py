"""Loads the C++ extension. OpenBLAS (from scipy-openblas32) must be loaded first."""

import scipy_openblas32  # noqa: F401  (puts libscipy_openblas in the process for _C)

try:
    from pyfastfit import _C  # noqa: E402
except ImportError as _err:
    # Running from a source checkout that has no dev build (`tools/dev_build.sh`), e.g. the
    # README's `pip install . && python -m pytest` from the repository root, where the
    # checkout shadows the installed package: use the installed package's extension.
    import importlib.machinery
    import importlib.util
    import os
    import sys

    import pyfastfit as _pkg

    def _installed_extension():
        here = os.path.realpath(os.path.dirname(_pkg.__file__))
        for entry in sys.path:
            folder = os.path.join(entry or os.getcwd(), "pyfastfit")
            if not os.path.isdir(folder) or os.path.realpath(folder) == here:
                continue
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "_C" + suffix)
                if os.path.isfile(path):
                    return path
        return None

    _path = _installed_extension()
    if _path is None:
        raise ImportError(
            "pyfastfit's C++ extension `pyfastfit._C` is not built: run `pip install .` "
            f"or, in a source checkout, `tools/dev_build.sh` ({_err})."
        ) from _err
    _spec = importlib.util.spec_from_file_location("pyfastfit._C", _path)
    _C = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(_C)
    sys.modules["pyfastfit._C"] = _C
    _pkg._C = _C

__all__ = ["_C"]
