"""Installs Python operators (+, -, *, /, //, %, **, @, comparisons, ~ & | ^ << >>,
indexing) on Tensor. `& | ^ ~` are bitwise as in NumPy (logical for bool tensors).

Lives in ops so that core never imports upward; importing pyfastfit.ops installs them.
NumPy arrays on the left (`np_array + tensor`) give a Tensor: `__array_priority__` makes
ndarray's operators return NotImplemented so Python calls the Tensor's reflected form.
"""

from pyfastfit.core import Tensor
from pyfastfit.ops import _linalg as linalg, _math as math, _shape as shape


_NOT_OPERANDS = (str, bytes, dict, set)


def _operand_ok(b):
    return b is not None and not isinstance(b, _NOT_OPERANDS)


def _binary(fn):
    def op(a, b):
        if b is None or isinstance(b, _NOT_OPERANDS):
            return NotImplemented
        return fn(a, b)

    def rop(a, b):
        if b is None or isinstance(b, _NOT_OPERANDS):
            return NotImplemented
        return fn(b, a)

    return op, rop


def _elementwise(code):
    """Operators for elementwise op `code`: one Python frame less than _binary."""
    run = math._binary

    def op(a, b):
        if b is None or isinstance(b, _NOT_OPERANDS):
            return NotImplemented
        return run(code, a, b)

    def rop(a, b):
        if b is None or isinstance(b, _NOT_OPERANDS):
            return NotImplemented
        return run(code, b, a)

    return op, rop


def _compare(fn, default):
    def op(a, b):
        if not _operand_ok(b):
            # `t == None` is False (and `t != None` True), as for any object.
            return default if default is not None else NotImplemented
        return fn(a, b)

    return op


def _install():
    codes = math._B
    pairs = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
        "floordiv": "floor_divide", "mod": "mod", "pow": "power", "and": "bitwise_and",
        "or": "bitwise_or", "xor": "bitwise_xor", "lshift": "left_shift",
        "rshift": "right_shift",
    }
    for dunder, name in pairs.items():
        op, rop = _elementwise(codes[name])
        setattr(Tensor, f"__{dunder}__", op)
        setattr(Tensor, f"__r{dunder}__", rop)
    Tensor.__matmul__, Tensor.__rmatmul__ = _binary(linalg.matmul)
    compare = {"eq": (math.equal, False), "ne": (math.not_equal, True),
               "lt": (math.less, None), "le": (math.less_equal, None),
               "gt": (math.greater, None), "ge": (math.greater_equal, None)}
    for dunder, (fn, default) in compare.items():
        setattr(Tensor, f"__{dunder}__", _compare(fn, default))
    Tensor.__neg__ = math.negative
    Tensor.__abs__ = math.abs
    Tensor.__invert__ = math.bitwise_invert
    Tensor.__pos__ = lambda a: a
    Tensor.__getitem__ = shape.getitem
    # __eq__ is overridden, so identity hashing must be restored explicitly.
    Tensor.__hash__ = object.__hash__
    Tensor.T = property(shape.transpose)


_install()
