"""`keras.ops.linalg`: norms, inverses and pseudo-inverses, linear and least-squares
solves, determinants, Cholesky, symmetric eigendecomposition, rank.

The same functions are also in `ops` itself, as in Keras 3.
"""

from pyfastfit.ops._norm import norm  # noqa: F401
from pyfastfit.ops._solve import (  # noqa: F401
    cholesky, det, inv, solve, solve_triangular,
)
from pyfastfit.ops._spectral import (  # noqa: F401
    cholesky_inverse, eigh, lstsq, matrix_rank, pinv,
)

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eigh", "inv", "lstsq", "matrix_rank", "norm",
    "pinv", "solve", "solve_triangular",
]
