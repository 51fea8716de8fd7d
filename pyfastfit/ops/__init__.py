"""pyfastfit.ops: differentiable ops, as `keras.ops`.

Every function accepts Tensors, Variables, NumPy arrays and Python scalars, runs C++
kernels (or LAPACK for `linalg`), and records itself on active GradientTapes.

Namespaces as Keras 3 spells them: `ops.numpy`, `ops.nn`, `ops.linalg`, `ops.image`, and
`ops.math`; everything except `image` is also exported flat (`ops.sum`, `ops.softmax`,
`ops.inv`, ...). The implementation modules are private (`ops/_shape.py`, ...).
"""

from pyfastfit.ops._core import *  # noqa: F401,F403
# The kernels' modules first, so the namespaces below only re-export.
from pyfastfit.ops import _math, _shape, _reduce, _linalg, _nn  # noqa: F401,E402,I001
from pyfastfit.ops import image, linalg, math, nn, numpy  # noqa: F401,E402  (namespaces)
from pyfastfit.ops._control_flow import *  # noqa: F401,F403
from pyfastfit.ops._custom_gradient import custom_gradient  # noqa: F401
from pyfastfit.ops._numpy_array import saturate_cast  # noqa: F401
from pyfastfit.ops._numpy_extra import get_item, stop_gradient  # noqa: F401
from pyfastfit.ops._shape import (  # noqa: F401,A004  (Keras's core ops)
    cast, getitem, scatter, scatter_update, slice, slice_update, unstack,
)
from pyfastfit.ops.linalg import *  # noqa: F401,F403
from pyfastfit.ops.math import *  # noqa: F401,F403
from pyfastfit.ops.nn import (  # noqa: F401  (not dense/exponential/tanh: no Keras flat names)
    binary_crossentropy, categorical_crossentropy, elu, gelu, hard_sigmoid, hard_silu,
    hard_swish, leaky_relu, log_sigmoid, log_softmax, one_hot, relu, relu6, selu, sigmoid,
    silu, softmax, softplus, softsign, sparse_categorical_crossentropy, swish,
)
from pyfastfit.ops.nn import (  # noqa: F401
    depth_to_space, space_to_depth,
    celu, glu, hard_shrink, hard_tanh, layer_normalization, moments, multi_hot, normalize,
    psnr, rms_normalization, soft_shrink, sparse_plus, sparse_sigmoid, squareplus,
    tanh_shrink, threshold,
)
from pyfastfit.ops.nn import (  # noqa: F401
    average_pool, batch_normalization, conv, conv_transpose, depthwise_conv, max_pool,
    separable_conv,
)
from pyfastfit.ops.numpy import *  # noqa: F401,F403
from pyfastfit.ops.numpy import slogdet  # noqa: F401
from pyfastfit.ops import _operators  # noqa: F401,E402  (installs Tensor operators)
