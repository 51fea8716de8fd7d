"""Core value types: Tensor (immutable, C++ storage) and Variable (mutable state)."""

from pyfastfit.core.tensor import Tensor, to_c, wrap
from pyfastfit.core.variable import Variable

__all__ = ["Tensor", "Variable", "to_c", "wrap"]
