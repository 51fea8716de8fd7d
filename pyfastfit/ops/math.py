"""`ops.math`: the ops Keras 3 defines in its `ops/math.py` (`logsumexp`, `top_k`,
`segment_sum`, `erf`, `rsqrt`, ...). Keras 3 exports them in `keras.ops` only; pyfastfit
also groups them here. All are in `ops` itself too.
"""

from pyfastfit.ops._math import (  # noqa: F401
    erf, rsqrt,
)
from pyfastfit.ops._reduce import (  # noqa: F401
    logsumexp,
)
from pyfastfit.ops._nn_extra import cdist  # noqa: F401
from pyfastfit.ops._segment import segment_max, segment_min  # noqa: F401
from pyfastfit.ops._shape import (  # noqa: F401
    segment_sum, top_k,
)
from pyfastfit.ops._solve import (  # noqa: F401
    logdet,
)
from pyfastfit.ops._nn_extra import (  # noqa: F401
    erfc, in_top_k,
)

__all__ = [
    "cdist",
    "segment_max", "segment_min",
    "erf", "erfc", "in_top_k", "logdet", "logsumexp", "rsqrt", "segment_sum", "top_k",
]
