"""Installs Python operators (+, -, *, /, @, comparisons, indexing) on Tensor.

Lives in ops so that core never imports upward; importing pyfastfit.ops installs them.
"""

from pyfastfit.core import Tensor
from pyfastfit.ops import linalg, math, shape


def _binary(fn):
    def op(a, b):
        return fn(a, b)

    def rop(a, b):
        return fn(b, a)

    return op, rop


def _install():
    pairs = {
        "add": "add", "sub": "subtract", "mul": "multiply", "truediv": "divide",
        "floordiv": "floor_divide", "mod": "mod", "pow": "power",
    }
    for dunder, name in pairs.items():
        fn = getattr(math, name, None)
        if fn is not None:
            op, rop = _binary(fn)
            setattr(Tensor, f"__{dunder}__", op)
            setattr(Tensor, f"__r{dunder}__", rop)
    op, rop = _binary(linalg.matmul)
    Tensor.__matmul__, Tensor.__rmatmul__ = op, rop
    compare = {"eq": "equal", "ne": "not_equal", "lt": "less", "le": "less_equal",
               "gt": "greater", "ge": "greater_equal"}
    for dunder, name in compare.items():
        fn = getattr(math, name, None)
        if fn is not None:
            setattr(Tensor, f"__{dunder}__", lambda a, b, fn=fn: fn(a, b))
    for dunder, name in {"neg": "negative", "abs": "absolute"}.items():
        fn = getattr(math, name, None)
        if fn is not None:
            setattr(Tensor, f"__{dunder}__", fn)
    if hasattr(math, "logical_not"):
        Tensor.__invert__ = math.logical_not
    if hasattr(shape, "getitem"):
        Tensor.__getitem__ = shape.getitem
    Tensor.__pos__ = lambda a: a
    # __eq__ is overridden, so identity hashing must be restored explicitly.
    Tensor.__hash__ = object.__hash__
    Tensor.T = property(lambda a: shape.transpose(a) if hasattr(shape, "transpose") else a)


_install()
