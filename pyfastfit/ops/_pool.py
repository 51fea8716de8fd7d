"""Max and average pooling (`keras.ops.max_pool`, `average_pool`) over the C++ kernels,
for 1, 2 and 3 spatial dims. With "same" padding the padded positions are ignored: not a
max candidate and not counted in the mean (Keras/TensorFlow semantics). A NaN in a window
makes its max NaN, as with Keras's torch and JAX backends (TensorFlow's kernel skips
NaN), so a NaN is never silently dropped."""

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._conv import (
    _float, data_format_of, int_tuple, padding_of, pads, spatial_rank, to_first, to_last,
)


def _setup(inputs, pool_size, strides, padding, data_format, op):
    x = _float(inputs)
    fmt = data_format_of(data_format)
    n = spatial_rank(x, op)
    pool = int_tuple(pool_size, n, "pool_size")
    strides = pool if strides is None else int_tuple(strides, n, "strides")
    padding = padding_of(padding)
    x = to_last(x, fmt)
    begin, end = pads(x.shape[1:-1], pool, strides, (1,) * n, padding)
    return x, fmt, pool, strides, begin, end


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over windows of `pool_size`.

    Args:
        inputs: `(batch, spatial..., channels)` (channels_last) or
            `(batch, channels, spatial...)` (channels_first); 1, 2 or 3 spatial dims.
        pool_size: int or tuple, one per spatial dim.
        strides: int or tuple; defaults to `pool_size`.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; the configured default
            when None.

    Example:

    >>> ops.max_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0]
    array([[ 5.,  7.],
           [13., 15.]], dtype=float32)
    """
    x, fmt, pool, strides, begin, end = _setup(inputs, pool_size, strides, padding,
                                               data_format, "max_pool")
    out_c, idx_c = _C.max_pool_forward(x._c, pool, strides, begin, end)
    out = wrap(out_c)
    if _state.tapes:
        record("max_pool", (x,), out, (idx_c,), (tuple(x.shape), pool, strides, begin, end))
    return to_first(out, fmt)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over windows of `pool_size` (padding not counted).

    Args:
        inputs, pool_size, strides, padding, data_format: as for `max_pool`.

    Example:

    >>> ops.average_pool(np.arange(16.0).reshape(1, 4, 4, 1), 2)[0, :, :, 0]
    array([[ 2.5,  4.5],
           [10.5, 12.5]], dtype=float32)
    """
    x, fmt, pool, strides, begin, end = _setup(inputs, pool_size, strides, padding,
                                               data_format, "average_pool")
    out = wrap(_C.average_pool_forward(x._c, pool, strides, begin, end))
    if _state.tapes:
        record("average_pool", (x,), out, None, (tuple(x.shape), pool, strides, begin, end))
    return to_first(out, fmt)


def masked_mean_steps(x, mask):
    """The mean of `x` (batch, steps, channels) over the steps where `mask` (batch,
    steps; bool or 0 / 1) is set: GlobalAveragePooling1D with a mask (one fused C++ op,
    which the fast path's node calls too). A sample with every step masked gives NaN
    (0 / 0), as the composed ops would. Differentiable in `x`."""
    from pyfastfit.ops._shape import cast

    x = _float(x)
    m = _float(cast(mask, "float32"))
    out = wrap(_C.masked_mean_pool_forward(x._c, m._c))
    if _state.tapes:
        record("masked_mean_pool", (x,), out, (m._c,))
    return out


__all__ = ["average_pool", "max_pool"]
