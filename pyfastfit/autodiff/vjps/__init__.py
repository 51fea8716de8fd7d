"""VJPS: the one table mapping an op name to its backward rule.

A rule is `rule(node, g) -> tuple` with one gradient (`_C.Tensor` or None) per entry
of `node.inputs`; `g` is the `_C.Tensor` gradient of the op's output (a list for
multi-output ops). Each family module fills its part of the table.
"""

from pyfastfit.autodiff.vjps import linalg, nn

VJPS = {}
for _family in (linalg, nn):
    VJPS.update(_family.RULES)

__all__ = ["VJPS"]
