"""pyfastfit.ops: differentiable NumPy-named ops, as `keras.ops`.

Every function here accepts Tensors, Variables, NumPy arrays and Python scalars, runs
one C++ kernel, and records itself on active GradientTapes.
"""

from pyfastfit.ops import _nn as nn
from pyfastfit.ops._core import *  # noqa: F401,F403
from pyfastfit.ops._crossentropy import *  # noqa: F401,F403
from pyfastfit.ops._linalg import *  # noqa: F401,F403
from pyfastfit.ops._math import *  # noqa: F401,F403
from pyfastfit.ops._nn import (  # noqa: F401
    elu, gelu, hard_sigmoid, hard_silu, hard_swish, leaky_relu, log_sigmoid, log_softmax,
    relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign, swish, tanh,
)
from pyfastfit.ops._reduce import *  # noqa: F401,F403
from pyfastfit.ops._shape import *  # noqa: F401,F403
from pyfastfit.ops import _operators  # noqa: F401,E402  (installs Tensor operators)
