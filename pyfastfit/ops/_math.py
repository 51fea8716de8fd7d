"""Elementwise math ops with NumPy broadcasting (`keras.ops` names): the entry point of
the family. The code lives in sibling modules, one concept each:

- `_math_binary`: arithmetic, comparisons, logic and bitwise ops, the dispatch to the
  C++ elementwise kernels, and the dtype rules (Keras/JAX-like, with weak Python
  scalars);
- `_math_unary`: negative, sqrt, exp, log, abs, rounding, trigonometric functions, ...;
- `_math_select`: where, clip, nan_to_num, and composites (divide_no_nan, logaddexp,
  isclose, hypot).

Other modules keep importing from here (`from pyfastfit.ops import _math as m`).
"""

from pyfastfit.ops._math_binary import (  # noqa: F401  (_B, _binary: Tensor operators)
    _B, _CODES, _DIFF_BINARY, _DIFF_UNARY, _U, _WEAK, _binary, _scalar, _tensor, _unary,
    add, arctan2, bitwise_and, bitwise_left_shift, bitwise_or, bitwise_right_shift,
    bitwise_xor, divide, equal, floor_divide, greater, greater_equal, left_shift, less,
    less_equal, logical_and, logical_or, logical_xor, maximum, minimum, mod, multiply,
    not_equal, power, remainder, right_shift, subtract, true_divide,
)
from pyfastfit.ops._math_select import (  # noqa: F401
    _like, clip, divide_no_nan, hypot, isclose, logaddexp, nan_to_num, where,
)
from pyfastfit.ops._math_unary import (  # noqa: F401,A004
    abs, absolute, arccos, arccosh, arcsin, arcsinh, arctan, arctanh, bitwise_invert,
    bitwise_not, cbrt, ceil, cos, cosh, erf, exp, exp2, expm1, floor, isfinite, isinf,
    isnan, log, log1p, log2, log10, logical_not, negative, reciprocal, round, rsqrt, sign,
    sin, sinh, sqrt, square, tan, tanh, trunc,
)

__all__ = [
    "arctan2", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "left_shift", "right_shift",
    "cbrt", "erf", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctanh", "cosh", "divide_no_nan",
    "exp2", "hypot", "isclose", "log10", "log2", "logaddexp", "sinh", "tan", "tanh", "trunc",
    "abs", "absolute", "add", "ceil", "clip", "cos", "divide", "equal", "exp", "expm1",
    "floor", "floor_divide", "greater", "greater_equal", "isfinite", "isinf", "isnan",
    "less", "less_equal", "log", "log1p", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "mod", "multiply", "nan_to_num", "negative",
    "not_equal", "power", "reciprocal", "remainder", "round", "rsqrt", "sign", "sin",
    "sqrt", "square", "subtract", "true_divide", "where",
]
