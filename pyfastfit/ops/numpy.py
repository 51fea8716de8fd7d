"""`keras.ops.numpy`: the NumPy-named ops (`ops.numpy.sum`, `ops.numpy.matmul`, ...).

The same functions are also in `ops` itself, as in Keras 3.
"""

from pyfastfit.ops._core import (  # noqa: F401
    size,
)
from pyfastfit.ops._math import (  # noqa: F401
    abs, absolute, add, arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
    bitwise_and, bitwise_invert, bitwise_left_shift, bitwise_not, bitwise_or,
    bitwise_right_shift, bitwise_xor, cbrt, ceil, clip, cos, cosh, divide, divide_no_nan,
    equal, exp, exp2, expm1, floor, floor_divide, greater, greater_equal, hypot, isclose,
    isfinite, isinf, isnan, left_shift, less, less_equal, log, log10, log1p, log2,
    logaddexp, logical_and, logical_not, logical_or, logical_xor, maximum, minimum, mod,
    multiply, nan_to_num, negative, not_equal, power, reciprocal, right_shift, round, sign,
    sin, sinh, sqrt, square, subtract, tan, tanh, true_divide, trunc, where,
)
from pyfastfit.ops._reduce import (  # noqa: F401
    all, amax, amin, any, argmax, argmin, average, count_nonzero, cumprod, cumsum, max,
    mean, median, min, prod, quantile, std, sum, var,
)
from pyfastfit.ops._shape import (  # noqa: F401
    arange, argsort, bincount, broadcast_to, concatenate, diag, diagonal, expand_dims, eye,
    flip, full, full_like, hstack, identity, linspace, meshgrid, moveaxis, nonzero, ones,
    ones_like, pad, ravel, repeat, reshape, roll, sort, split, squeeze, stack, swapaxes,
    take, take_along_axis, tile, trace, transpose, tril, triu, vstack, zeros, zeros_like,
)
from pyfastfit.ops._linalg import (  # noqa: F401
    dot, matmul,
)
from pyfastfit.ops._solve import (  # noqa: F401
    slogdet,
)

__all__ = [
    "abs", "absolute", "add", "all", "amax", "amin", "any", "arange", "arccos", "arccosh",
    "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax", "argmin", "argsort",
    "average", "bincount", "bitwise_and", "bitwise_invert", "bitwise_left_shift",
    "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "broadcast_to",
    "cbrt", "ceil", "clip", "concatenate", "cos", "cosh", "count_nonzero", "cumprod",
    "cumsum", "diag", "diagonal", "divide", "divide_no_nan", "dot", "equal", "exp", "exp2",
    "expand_dims", "expm1", "eye", "flip", "floor", "floor_divide", "full", "full_like",
    "greater", "greater_equal", "hstack", "hypot", "identity", "isclose", "isfinite",
    "isinf", "isnan", "left_shift", "less", "less_equal", "linspace", "log", "log10",
    "log1p", "log2", "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor",
    "matmul", "max", "maximum", "mean", "median", "meshgrid", "min", "minimum", "mod",
    "moveaxis", "multiply", "nan_to_num", "negative", "nonzero", "not_equal", "ones",
    "ones_like", "pad", "power", "prod", "quantile", "ravel", "reciprocal", "repeat",
    "reshape", "right_shift", "roll", "round", "sign", "sin", "sinh", "size", "slogdet",
    "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "subtract", "sum",
    "swapaxes", "take", "take_along_axis", "tan", "tanh", "tile", "trace", "transpose",
    "tril", "triu", "true_divide", "trunc", "var", "vstack", "where", "zeros", "zeros_like",
]
