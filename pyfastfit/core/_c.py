"""Loads the C++ extension. OpenBLAS (from scipy-openblas32) must be loaded first."""

import scipy_openblas32  # noqa: F401  (puts libscipy_openblas in the process for _C)

from pyfastfit import _C  # noqa: E402

__all__ = ["_C"]
