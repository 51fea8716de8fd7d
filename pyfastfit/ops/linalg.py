"""`keras.ops.linalg`: norms, inverses, linear solves, determinants, Cholesky.

The same functions are also in `ops` itself, as in Keras 3.
"""

from pyfastfit.ops._solve import (  # noqa: F401
    cholesky, det, inv, solve, solve_triangular,
)
from pyfastfit.ops._norm import (  # noqa: F401
    norm,
)

__all__ = [
    "cholesky", "det", "inv", "norm", "solve", "solve_triangular",
]
