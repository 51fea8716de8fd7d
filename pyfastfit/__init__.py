"""pyfastfit: the Keras training stack with its numeric work in C++.

Use it as Keras: `import pyfastfit as keras`.
"""

__version__ = "0.1.0"

from pyfastfit import config  # noqa: E402
from pyfastfit import ops  # noqa: E402
from pyfastfit.autodiff import GradientTape  # noqa: E402
from pyfastfit.core import Tensor, Variable  # noqa: E402

__all__ = ["GradientTape", "Tensor", "Variable", "__version__", "config", "ops"]
