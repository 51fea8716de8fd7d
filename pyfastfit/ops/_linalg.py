"""Matrix products: matmul and dot."""

from pyfastfit.autodiff.tape import _state, needs_grad, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def matmul(x1, x2):
    """Matrix product with NumPy semantics (`x1 @ x2`), float32.

    2-D @ 2-D, N-D @ 2-D (batch folded into rows) and N-D @ N-D run as GEMMs; batch
    dimensions broadcast and 1-D operands are promoted as in NumPy.

    Example:

    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    a = convert_to_tensor(x1)
    b = convert_to_tensor(x2)
    if a.dtype != "float32":
        a = convert_to_tensor(a, "float32")
    if b.dtype != "float32":
        b = convert_to_tensor(b, "float32")
    if a.ndim == 1 or b.ndim == 1:
        return _matmul_vector(a, b)
    if b.ndim > 2 and a.shape[:-2] != b.shape[:-2]:
        a, b = _broadcast_batch(a, b)
    out = wrap(_C.matmul(a._c, b._c))
    if _state.tapes:
        record("matmul", (a, b), out, (a._c, b._c), (needs_grad(a), needs_grad(b)))
    return out


def _broadcast_batch(a, b):
    """Broadcasts the batch dimensions of a and b against each other (NumPy rules)."""
    import numpy as np

    from pyfastfit.ops import _shape as shape_ops

    try:
        batch = tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
    except ValueError:
        raise ValueError(
            f"matmul: the batch dimensions of shapes {a.shape} and {b.shape} cannot be "
            "broadcast together.") from None
    if a.shape[:-2] != batch:
        a = shape_ops.broadcast_to(a, batch + a.shape[-2:])
    if b.shape[:-2] != batch:
        b = shape_ops.broadcast_to(b, batch + b.shape[-2:])
    return a, b


def _matmul_vector(a, b):
    from pyfastfit.ops import _shape as shape_ops

    a2 = shape_ops.expand_dims(a, 0) if a.ndim == 1 else a
    b2 = shape_ops.expand_dims(b, -1) if b.ndim == 1 else b
    out = matmul(a2, b2)
    if a.ndim == 1:
        out = shape_ops.squeeze(out, -2)
    if b.ndim == 1:
        out = shape_ops.squeeze(out, -1)
    return out


def dot(x1, x2):
    """Dot product as in NumPy: matmul for 1-D/2-D, scalar product of vectors."""
    return matmul(x1, x2)


__all__ = ["dot", "matmul"]
