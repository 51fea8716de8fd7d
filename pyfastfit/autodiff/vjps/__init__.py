"""VJPS: the one table mapping an op name to its backward rule.

A rule is `rule(node, g) -> tuple` with one gradient (`_C.Tensor` or None) per entry
of `node.inputs`; `g` is the `_C.Tensor` gradient of the op's output (a list for
multi-output ops). Each family module holds its part of the table in `RULES`.
"""

from pyfastfit.autodiff.vjps import (
    conv, crossentropy, custom, linalg, losses, math, nn, normalization, random, reduce,
    shape,
)

VJPS = {}
for _family in (conv, crossentropy, custom, linalg, losses, math, nn, normalization, random,
                reduce, shape):
    VJPS.update(_family.RULES)

__all__ = ["VJPS"]
