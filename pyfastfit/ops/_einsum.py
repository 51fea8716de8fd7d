"""`keras.ops.einsum`: Einstein summation, differentiable.

The forward pass is NumPy's einsum (contractions go to BLAS through `optimize`); the
backward rule of each operand is another einsum of the output gradient with the other
operands (`autodiff/vjps/linalg.py`). Subscripts are first made explicit (ellipses
replaced by letters, the implicit output spelled out) so the rule can swap them.
"""

import string

import numpy as np

from pyfastfit.autodiff.tape import _state, needs_grad, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def _explicit(subscripts, shapes):
    """'...ij,jk' -> (['Aij', 'jk'], 'Aik'): no ellipsis, explicit output."""
    spec = subscripts.replace(" ", "")
    lhs, arrow, out = spec.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the subscripts name {len(terms)} operand(s) but "
                         f"{len(shapes)} were given. Received: subscripts={subscripts!r}")
    used = set(spec) - set(",->.")
    if not all(c in string.ascii_letters for c in used):
        raise ValueError(f"einsum: subscripts must be letters, ',', '->' and '...'. "
                         f"Received: subscripts={subscripts!r}")
    spare = [c for c in string.ascii_letters if c not in used]
    n_ell = 0
    for t, shape in zip(terms, shapes):
        letters = len(t.replace("...", ""))
        if ("..." in t and letters > len(shape)) or ("..." not in t and letters != len(shape)):
            raise ValueError(f"einsum: subscripts {t!r} do not match an operand of rank "
                             f"{len(shape)}. Received: subscripts={subscripts!r}")
        if "..." in t:
            n_ell = max(n_ell, len(shape) - letters)
    ell = "".join(spare[:n_ell])
    new_terms = []
    for t, shape in zip(terms, shapes):
        if "..." in t:
            k = len(shape) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:])
        new_terms.append(t)
    if arrow:
        out = out.replace("...", ell)
    else:
        counts = {}
        for c in "".join(t for t in new_terms):
            counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    return new_terms, out


def einsum(subscripts, *operands, **kwargs):
    """Evaluates the Einstein summation `subscripts` on the operands (float32), as
    `np.einsum`. Differentiable with respect to every operand.

    Example:

    >>> ops.einsum("ij,jk->ik", np.ones((2, 3)), np.ones((3, 4))).shape
    (2, 4)
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: `subscripts` must be a string. Received: "
                        f"subscripts={subscripts!r}")
    ts = []
    for x in operands:
        t = convert_to_tensor(x)
        ts.append(t if t.dtype == "float32" else convert_to_tensor(t, "float32"))
    terms, out_sub = _explicit(subscripts, [t.shape for t in ts])
    spec = ",".join(terms) + "->" + out_sub
    arrays = [np.asarray(t._c) for t in ts]
    try:
        value = np.einsum(spec, *arrays, optimize=True)
    except ValueError as e:
        raise ValueError(f"einsum: {e}. Received: subscripts={subscripts!r}, operand shapes "
                         f"{[t.shape for t in ts]}") from None
    out = wrap(_C.from_numpy(np.array(value, dtype=np.float32, order="C")))
    if _state.tapes:
        for t, term in zip(ts, terms):
            if len(set(term)) != len(term) and needs_grad(t):
                raise ValueError(f"einsum: the gradient through a repeated subscript within "
                                 f"one operand ({term!r}, a diagonal) is not supported. "
                                 f"Received: subscripts={subscripts!r}")
        record("einsum", tuple(ts), out, tuple(t._c for t in ts), (terms, out_sub))
    return out


__all__ = ["einsum"]
