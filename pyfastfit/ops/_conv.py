"""Convolutions (`keras.ops.conv`, `depthwise_conv`, `separable_conv`, `conv_transpose`)
over the C++ im2col + GEMM kernels, for 1, 2 and 3 spatial dims.

The kernels run channels-last; `data_format="channels_first"` transposes at the edges.
"same" padding follows Keras/TensorFlow: output size ceil(size / stride), the odd pad
at the end.
"""

from pyfastfit import backend
from pyfastfit.autodiff.tape import _state, needs_grad, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor


def _float(x):
    if not isinstance(x, Tensor):
        x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    return x


def data_format_of(data_format):
    """`data_format` checked, or the configured default when None."""
    if data_format is None:
        return backend.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    return data_format


def spatial_rank(x, op):
    """Number of spatial dims of `x` (1 to 3); ValueError otherwise."""
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"`{op}` expects inputs of rank 3 (batch, width, channels), 4 "
                         f"(batch, height, width, channels) or 5 (batch, depth, height, "
                         f"width, channels). Received: inputs.shape={tuple(x.shape)}")
    return x.ndim - 2


def int_tuple(value, n, name, low=1):
    """`value` (an int or n ints) as a tuple of n ints >= `low`."""
    if isinstance(value, bool):
        values = None
    elif isinstance(value, int):
        values = (value,) * n
    else:
        try:
            values = tuple(int(v) if not isinstance(v, bool) and float(v) == int(v) else None
                           for v in value)
        except (TypeError, ValueError):
            values = None
    if values is None or len(values) != n or None in values or min(values) < low:
        what = "positive" if low == 1 else "non-negative"
        raise ValueError(f"`{name}` must be an int or a tuple of {n} {what} ints. "
                         f"Received: {name}={value!r}")
    return values


def padding_of(padding):
    """`padding` lowercased; ValueError unless "valid" or "same"."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in ("valid", "same"):
        raise ValueError(f"`padding` must be 'valid' or 'same'. Received: padding={padding!r}")
    return p


def pads(spatial, window, strides, dilation, padding):
    """(pad_begin, pad_end) per spatial dim; "same" gives ceil(size / stride) outputs with
    the odd pad at the end, as TensorFlow does."""
    begin, end = [], []
    for n, k, st, d in zip(spatial, window, strides, dilation):
        if padding == "valid":
            begin.append(0)
            end.append(0)
            continue
        keff = (k - 1) * d + 1
        out = -(-n // st)
        total = max((out - 1) * st + keff - n, 0)
        begin.append(total // 2)
        end.append(total - total // 2)
    return tuple(begin), tuple(end)


def to_last(x, data_format):
    if data_format == "channels_last":
        return x
    return s.transpose(x, (0,) + tuple(range(2, x.ndim)) + (1,))


def to_first(x, data_format):
    if data_format == "channels_last":
        return x
    return s.transpose(x, (0, x.ndim - 1) + tuple(range(1, x.ndim - 1)))


def _conv_args(inputs, kernel, strides, padding, data_format, dilation_rate, op):
    """The checked arguments of a convolution op, with the inputs made channels-last:
    `(x, kernel, data_format, strides, padding, dilation)`."""
    x, k = _float(inputs), _float(kernel)
    fmt = data_format_of(data_format)
    n = spatial_rank(x, op)
    strides = int_tuple(strides, n, "strides")
    dilation = int_tuple(dilation_rate, n, "dilation_rate")
    padding = padding_of(padding)
    return to_last(x, fmt), k, fmt, strides, padding, dilation


def _check_kernel_rank(x, kernel):
    if kernel.ndim != x.ndim:
        raise ValueError(f"`kernel` must have rank {x.ndim} (spatial dims, input channels / "
                         f"groups, output channels) for inputs of rank {x.ndim}. Received: "
                         f"kernel.shape={tuple(kernel.shape)}")


def _conv_last(x, kernel, strides, padding, dilation):
    """Channels-last convolution with the tape record; groups from the channel counts."""
    n = x.ndim - 2
    _check_kernel_rank(x, kernel)
    begin, end = pads(x.shape[1:-1], kernel.shape[:n], strides, dilation, padding)
    out = wrap(_C.conv_forward(x._c, kernel._c, strides, begin, end, dilation))
    if _state.tapes:
        record("conv", (x, kernel), out, (x._c, kernel._c),
               (strides, begin, end, dilation, needs_grad(x), needs_grad(kernel)))
    return out


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """General N-D convolution (N = 1, 2 or 3), without bias.

    Args:
        inputs: `(batch, spatial..., channels)` (channels_last) or
            `(batch, channels, spatial...)` (channels_first).
        kernel: `(spatial..., channels // groups, filters)`; `groups` is
            `channels // kernel.shape[-2]`.
        strides: int or tuple, one per spatial dim.
        padding: `"valid"` or `"same"`.
        data_format: `"channels_last"` or `"channels_first"`; the configured default
            when None.
        dilation_rate: int or tuple, one per spatial dim.

    Returns:
        `(batch, out spatial..., filters)` (channels_last).

    Example:

    >>> ops.conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))).shape
    (1, 3, 3, 4)
    """
    x, k, fmt, strides, padding, dilation = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv")
    out = _conv_last(x, k, strides, padding, dilation)
    return to_first(out, fmt)


def conv_fused(inputs, kernel, bias=None, activation="linear", alpha=0.0, strides=1,
               padding="valid", data_format=None, dilation_rate=1):
    """Fused `activation(conv(inputs, kernel) + bias)`: one C++ call forward (bias and
    activation applied per block while in cache), one backward. An internal op of the
    convolution layers.

    Args:
        inputs, kernel, strides, padding, data_format, dilation_rate: as for `conv`.
        bias: `(filters,)` or None.
        activation: a fused activation name ("relu", ...); softmax-like ones act over the
            channels, whatever `data_format`.
        alpha: slope for leaky_relu / alpha for elu.

    Example:

    >>> conv_fused(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4)), np.zeros(4), "relu").shape
    (1, 3, 3, 4)
    """
    x, k, fmt, strides, padding, dilation = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv")
    n = x.ndim - 2
    _check_kernel_rank(x, k)
    if bias is not None:
        bias = _float(bias)
    begin, end = pads(x.shape[1:-1], k.shape[:n], strides, dilation, padding)
    out_c, z_c = _C.conv_forward_fused(x._c, k._c, None if bias is None else bias._c,
                                       activation, alpha, strides, begin, end, dilation)
    out = wrap(out_c)
    if _state.tapes:
        has_bias = bias is not None
        record("conv_fused", (x, k, bias) if has_bias else (x, k), out,
               (x._c, k._c, z_c, out_c),
               (activation, alpha, strides, begin, end, dilation, needs_grad(x),
                needs_grad(k), has_bias))
    return to_first(out, fmt)


def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """Depthwise convolution: each input channel convolved with its own
    `depth_multiplier` filters; output channel `c * depth_multiplier + m`.

    Args:
        inputs: as for `conv`.
        kernel: `(spatial..., channels, depth_multiplier)`.
        strides, padding, data_format, dilation_rate: as for `conv`.

    Example:

    >>> ops.depthwise_conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 2))).shape
    (1, 3, 3, 4)
    """
    x, k, fmt, strides, padding, dilation = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "depthwise_conv")
    n = x.ndim - 2
    channels = x.shape[-1]
    if k.ndim != x.ndim or k.shape[-2] != channels:
        raise ValueError(f"`kernel` must have shape (spatial..., {channels}, "
                         f"depth_multiplier) for inputs with {channels} channels. Received: "
                         f"kernel.shape={tuple(k.shape)}")
    # (spatial..., C, M) read as (spatial..., 1, C * M) is the grouped kernel with
    # groups = C: output channel c * M + m uses input channel c.
    grouped = s.reshape(k, tuple(k.shape[:n]) + (1, channels * k.shape[-1]))
    return to_first(_conv_last(x, grouped, strides, padding, dilation), fmt)


def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1):
    """Depthwise convolution followed by a 1x1 (pointwise) convolution.

    Args:
        inputs: as for `conv`.
        depthwise_kernel: `(spatial..., channels, depth_multiplier)`.
        pointwise_kernel: `(1, ..., channels * depth_multiplier, filters)`.
        strides, padding, data_format, dilation_rate: of the depthwise step.

    Example:

    >>> ops.separable_conv(np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 1)),
    ...                    np.ones((1, 1, 2, 4))).shape
    (1, 3, 3, 4)
    """
    fmt = data_format_of(data_format)
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, fmt, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", fmt, 1)


def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1):
    """Transposed convolution (the gradient of `conv` with respect to its input).

    Args:
        inputs: as for `conv`.
        kernel: `(spatial..., filters, channels)` (Keras's layout: output channels
            before input channels).
        strides, padding, data_format, dilation_rate: as for `conv`.
        output_padding: int or tuple (each < its stride) of extra rows/columns at the
            end of the output, or None for the default output size.

    Example:

    >>> ops.conv_transpose(np.ones((1, 3, 3, 2)), np.ones((3, 3, 4, 2)), 2).shape
    (1, 7, 7, 4)
    """
    x, k, fmt, strides, padding, dilation = _conv_args(
        inputs, kernel, strides, padding, data_format, dilation_rate, "conv_transpose")
    n = x.ndim - 2
    if k.ndim != x.ndim or k.shape[-1] != x.shape[-1]:
        raise ValueError(f"`kernel` must have shape (spatial..., filters, {x.shape[-1]}) for "
                         f"inputs with {x.shape[-1]} channels. Received: "
                         f"kernel.shape={tuple(k.shape)}")
    if output_padding is not None:
        output_padding = int_tuple(output_padding, n, "output_padding", low=0)
        if any(p >= st for p, st in zip(output_padding, strides)):
            raise ValueError("Each `output_padding` must be smaller than its stride. "
                             f"Received: output_padding={output_padding}, strides={strides}")
    out_sp, begin = [], []
    for i in range(n):
        size, ksz, st, d = x.shape[1 + i], k.shape[i], strides[i], dilation[i]
        keff = (ksz - 1) * d + 1
        if output_padding is None:
            length = size * st + max(keff - st, 0) if padding == "valid" else size * st
        else:
            pad = keff // 2 if padding == "same" else 0
            length = (size - 1) * st + keff - 2 * pad + output_padding[i]
        if length < 1:
            raise ValueError(f"`conv_transpose` would produce an empty output along spatial "
                             f"dim {i} (inputs.shape={tuple(x.shape)}, "
                             f"kernel.shape={tuple(k.shape)}, padding={padding!r}).")
        out_sp.append(length)
        # TensorFlow's placement: the pads of the forward convolution from the output size.
        total = max((size - 1) * st + keff - length, 0) if padding == "same" else 0
        begin.append(total // 2)
    out_sp, begin = tuple(out_sp), tuple(begin)
    out = wrap(_C.conv_transpose_forward(x._c, k._c, out_sp, strides, begin, dilation))
    if _state.tapes:
        record("conv_transpose", (x, k), out, (x._c, k._c),
               (strides, begin, dilation, needs_grad(x), needs_grad(k)))
    return to_first(out, fmt)


__all__ = ["conv", "conv_transpose", "depthwise_conv", "separable_conv"]
