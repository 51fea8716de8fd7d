"""`keras.ops.nn`: activations, softmax, cross-entropies, `one_hot`, normalizations
(`batch_normalization`, `layer_normalization`, ...),
`moments`, `multi_hot`, `psnr`, convolutions (`conv`, `depthwise_conv`, `separable_conv`,
`conv_transpose`) and pooling (`max_pool`, `average_pool`); plus pyfastfit's
fused Dense op (`dense`), and `tanh`/`exponential` for activation lookups by name.

The Keras-named functions are also in `ops` itself, as in Keras 3.
"""

from pyfastfit.ops._conv import (  # noqa: F401
    conv, conv_transpose, depthwise_conv, separable_conv,
)
from pyfastfit.ops._pool import average_pool, max_pool  # noqa: F401
from pyfastfit.ops._crossentropy import (  # noqa: F401
    binary_crossentropy, categorical_crossentropy, sparse_categorical_crossentropy,
)
from pyfastfit.ops._nn import (  # noqa: F401
    dense, elu, exponential, gelu, hard_sigmoid, hard_silu, hard_swish, leaky_relu,
    log_sigmoid, log_softmax, relu, relu6, selu, sigmoid, silu, softmax, softplus, softsign,
    swish, tanh,
)
from pyfastfit.ops._nn_extra import (  # noqa: F401
    depth_to_space, space_to_depth,
    celu, glu, hard_shrink, hard_tanh, layer_normalization, moments, multi_hot, normalize,
    psnr, rms_normalization, soft_shrink, sparse_plus, sparse_sigmoid, squareplus,
    tanh_shrink, threshold,
)
from pyfastfit.ops._normalization import batch_normalization  # noqa: F401
from pyfastfit.ops._shape import one_hot  # noqa: F401

__all__ = [
    "average_pool", "batch_normalization", "conv", "conv_transpose", "depthwise_conv",
    "max_pool", "separable_conv",
    "depth_to_space", "space_to_depth",
    "celu", "glu", "hard_shrink", "hard_tanh", "layer_normalization", "moments", "multi_hot",
    "normalize", "psnr", "rms_normalization", "soft_shrink", "sparse_plus", "sparse_sigmoid",
    "squareplus", "tanh_shrink", "threshold",
    "binary_crossentropy", "categorical_crossentropy", "dense", "elu", "exponential", "gelu",
    "hard_sigmoid", "hard_silu", "hard_swish", "leaky_relu", "log_sigmoid", "log_softmax",
    "one_hot", "relu", "relu6", "selu", "sigmoid", "silu", "softmax", "softplus", "softsign",
    "sparse_categorical_crossentropy", "swish", "tanh",
]
