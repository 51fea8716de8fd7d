"""Shape, indexing and creation ops (reshape, transpose, slicing for
`Tensor.__getitem__`, concatenate, take, one_hot, top_k, sort, cast, zeros/ones/full,
...): the entry point of the family. The code lives in sibling modules, one concept each:

- `_shape_args`: dtype, axis and shape argument checks shared by the others;
- `_creation`: zeros, ones, full (and `_like`), arange, eye, linspace, meshgrid, cast;
- `_reshape`: reshape, ravel, expand_dims, squeeze, transpose, moveaxis, broadcast_to;
- `_indexing`: getitem, slice, flip, take, take_along_axis, nonzero;
- `_join_split`: concatenate, stack, vstack/hstack, split, unstack, roll, tile, repeat,
  pad;
- `_sort`: argsort, sort, top_k, one_hot;
- `_scatter`: slice_update, scatter, scatter_update, segment_sum, bincount;
- `_matrix`: tril, triu, diagonal, trace, diag.

Other modules keep importing from here (`from pyfastfit.ops import _shape as s`).
"""

from pyfastfit.ops._creation import (  # noqa: F401
    arange, cast, eye, full, full_like, identity, linspace, meshgrid, ones, ones_like,
    zeros, zeros_like,
)
from pyfastfit.ops._indexing import (  # noqa: F401,A004  (keras.ops.slice)
    flip, getitem, nonzero, slice, take, take_along_axis, take_rows,
)
from pyfastfit.ops._join_split import (  # noqa: F401
    concatenate, hstack, pad, repeat, roll, split, stack, tile, unstack, vstack,
)
from pyfastfit.ops._matrix import diag, diagonal, trace, tril, triu  # noqa: F401
from pyfastfit.ops._reshape import (  # noqa: F401
    broadcast_to, expand_dims, flatten, moveaxis, ravel, reshape, squeeze, swapaxes,
    transpose,
)
from pyfastfit.ops._scatter import (  # noqa: F401
    bincount, scatter, scatter_update, segment_sum, slice_update,
)
from pyfastfit.ops._shape_args import (  # noqa: F401  (shared helpers: s._norm_axis, ...)
    _DTYPES, _dtype_name, _norm_axes, _norm_axis, _record, _shape_tuple,
)
from pyfastfit.ops._sort import argsort, one_hot, sort, top_k  # noqa: F401

__all__ = [
    "arange", "argsort", "broadcast_to", "cast", "concatenate", "expand_dims", "eye",
    "flatten", "flip", "full", "full_like", "getitem", "identity", "linspace", "moveaxis",
    "one_hot", "ones", "ones_like", "pad", "ravel", "repeat", "reshape", "roll", "slice", "sort",
    "split", "squeeze", "stack", "swapaxes", "take", "take_along_axis", "tile", "top_k",
    "transpose", "unstack", "zeros", "zeros_like",
    "bincount", "diag", "diagonal", "hstack", "meshgrid", "nonzero", "scatter",
    "scatter_update", "segment_sum", "slice_update", "trace", "tril", "triu", "vstack",
]
