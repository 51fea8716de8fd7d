"""Models: `Model` (Functional or subclassed) and `Sequential`."""

from pyfastfit.models.functional import Functional
from pyfastfit.models.model import Model
from pyfastfit.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential"]
