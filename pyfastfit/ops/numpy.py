"""`keras.ops.numpy`: the NumPy-named ops (`ops.numpy.sum`, `ops.numpy.matmul`, ...).

The same functions are also in `ops` itself, as in Keras 3.
"""

from pyfastfit.ops._core import (  # noqa: F401
    size,
)
from pyfastfit.ops._einsum import (  # noqa: F401
    einsum,
)
from pyfastfit.ops._numpy_extra import angle  # noqa: F401
from pyfastfit.ops._nan_quantile import nanmedian, nanpercentile, nanquantile  # noqa: F401
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
from pyfastfit.ops._numpy_extra import (  # noqa: F401
    allclose, append, array, array_split, conj, conjugate, copy, deg2rad, diagflat, diff,
    empty, empty_like, fabs, fliplr, flipud, fmax, fmin, fmod, geomspace, get_item,
    heaviside, imag, inner, isneginf, isposinf, isreal, logaddexp2, logspace, nancumprod,
    nancumsum, nanmax, nanmean, nanmin, nanprod, nanstd, nansum, nanvar, ndim, outer,
    percentile, ptp, rad2deg, real, rot90, signbit, sinc, tensordot, trapezoid, tri, vdot,
)
from pyfastfit.ops._numpy_index import (  # noqa: F401
    argpartition, bartlett, blackman, digitize, gcd, hamming, hanning, histogram, isin,
    kaiser, lcm, nanargmax, nanargmin, nextafter, searchsorted, unique, unravel_index,
)
from pyfastfit.ops._numpy_array import (  # noqa: F401
    corrcoef, cross, dsplit, dstack, hsplit, kron, ldexp, select, vander, vsplit,
)

__all__ = [
    "angle",
    "nanmedian", "nanpercentile", "nanquantile",
    "abs", "absolute", "add", "all", "allclose", "amax", "amin", "any", "append", "arange",
    "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh", "argmax",
    "argmin", "argpartition", "argsort", "array", "array_split", "average", "bartlett",
    "bincount", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "broadcast_to", "cbrt",
    "ceil", "clip", "concatenate", "conj", "conjugate", "copy", "corrcoef", "cos", "cosh",
    "count_nonzero", "cross", "cumprod", "cumsum", "deg2rad", "diag", "diagflat",
    "diagonal", "diff", "digitize", "divide", "divide_no_nan", "dot", "dsplit", "dstack",
    "einsum", "empty", "empty_like", "equal", "exp", "exp2", "expand_dims", "expm1", "eye",
    "fabs", "flip", "fliplr", "flipud", "floor", "floor_divide", "fmax", "fmin", "fmod",
    "full", "full_like", "gcd", "geomspace", "get_item", "greater", "greater_equal",
    "hamming", "hanning", "heaviside", "histogram", "hsplit", "hstack", "hypot", "identity",
    "imag", "inner", "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf",
    "isposinf", "isreal", "kaiser", "kron", "lcm", "ldexp", "left_shift", "less",
    "less_equal", "linspace", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2",
    "logical_and", "logical_not", "logical_or", "logical_xor", "logspace", "matmul", "max",
    "maximum", "mean", "median", "meshgrid", "min", "minimum", "mod", "moveaxis",
    "multiply", "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax",
    "nanmean", "nanmin", "nanprod", "nanstd", "nansum", "nanvar", "ndim", "negative",
    "nextafter", "nonzero", "not_equal", "ones", "ones_like", "outer", "pad", "percentile",
    "power", "prod", "ptp", "quantile", "rad2deg", "ravel", "real", "reciprocal", "repeat",
    "reshape", "right_shift", "roll", "rot90", "round", "searchsorted", "select", "sign",
    "signbit", "sin", "sinc", "sinh", "size", "slogdet", "sort", "split", "sqrt", "square",
    "squeeze", "stack", "std", "subtract", "sum", "swapaxes", "take", "take_along_axis",
    "tan", "tanh", "tensordot", "tile", "trace", "transpose", "trapezoid", "tri", "tril",
    "triu", "true_divide", "trunc", "unique", "unravel_index", "vander", "var", "vdot",
    "vsplit", "vstack", "where", "zeros", "zeros_like",
]
