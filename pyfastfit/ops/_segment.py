"""`keras.ops.segment_max` / `segment_min`: per-segment extremes, differentiable.

The extreme of each segment is found in NumPy (`ufunc.at`, vectorized); the result is
then rebuilt as a weighted `segment_sum` of the data, the weights splitting each segment
equally among its tied extremes, so the gradient is TensorFlow's (ties share it).
Empty segments hold the dtype's lowest (max) or highest (min) value, as Keras 3.
"""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.ops import _math as m
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor
from pyfastfit.ops._numpy_array import saturate_cast


def _segment_extreme(data, segment_ids, num_segments, ufunc, empty_value, op):
    x = data if isinstance(data, Tensor) else convert_to_tensor(data)
    in_dtype = x.dtype
    if in_dtype != "float32":
        x = convert_to_tensor(x, "float32")
    ids = np.asarray(segment_ids._c if isinstance(segment_ids, Tensor) else segment_ids)
    if ids.ndim != 1 or x.ndim == 0 or ids.shape[0] != x.shape[0]:
        raise ValueError(f"{op}: `segment_ids` must be 1-D with one id per row of `data`. "
                         f"Received: segment_ids.shape={ids.shape}, data.shape={x.shape}")
    ids = ids.astype(np.int64)
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    n = int(num_segments)
    valid = (ids >= 0) & (ids < n)  # other ids are dropped, as Keras
    inner = x.shape[1:]
    x2 = np.asarray(x._c).reshape(x.shape[0], -1)
    ext = np.full((n, x2.shape[1]), empty_value, np.float32)
    ufunc.at(ext, ids[valid], x2[valid])
    hit = np.zeros((x2.shape[0], x2.shape[1]), np.float32)
    hit[valid] = x2[valid] == ext[ids[valid]]
    counts = np.zeros_like(ext)
    np.add.at(counts, ids[valid], hit[valid])
    w = np.zeros_like(hit)
    w[valid] = hit[valid] / np.maximum(counts[ids[valid]], 1.0)
    # Non-extreme rows are replaced by 0 before weighting: inf * 0 would give NaN.
    picked = m.where((w > 0).reshape(x.shape), x, 0.0)
    summed = s.segment_sum(m.multiply(picked, w.reshape(x.shape)), np.where(valid, ids, -1), n)
    fill = np.where(counts > 0, 0.0, ext).astype(np.float32).reshape((n,) + inner)
    out = m.add(summed, fill)
    if np.isnan(ext).any():  # NaN wins, as np.maximum/np.minimum
        out = m.where(np.isnan(ext).reshape((n,) + inner), np.float32(np.nan), out)
    # Integer data: empty segments saturate to the integer type's lowest/highest value.
    return out if in_dtype == "float32" else saturate_cast(out, in_dtype)


def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Maximum of the rows of `data` sharing a segment id (ids in `[0, num_segments)`).

    Example:

    >>> ops.segment_max([1.0, 5.0, 2.0], [0, 0, 1]).numpy()
    array([5., 2.], dtype=float32)
    """
    return _segment_extreme(data, segment_ids, num_segments, np.maximum,
                            np.finfo(np.float32).min, "segment_max")


def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Minimum of the rows of `data` sharing a segment id (ids in `[0, num_segments)`).

    Example:

    >>> ops.segment_min([1.0, 5.0, 2.0], [0, 0, 1]).numpy()
    array([1., 2.], dtype=float32)
    """
    return _segment_extreme(data, segment_ids, num_segments, np.minimum,
                            np.finfo(np.float32).max, "segment_min")


__all__ = ["segment_max", "segment_min"]
