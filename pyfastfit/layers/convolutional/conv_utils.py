"""Argument checks and output-length arithmetic shared by the convolution and pooling
layers (Keras 3's argument rules and error messages)."""

# Re-exported: the conv and pooling layers read these from here
from pyfastfit.layers.input_checks import (  # noqa: F401
    check_ndim, normalize_tuple, standardize_data_format)


def standardize_padding(padding, allowed):
    """Lower-cased `padding`, one of `allowed`."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        choices = "{" + ", ".join(repr(a) for a in allowed) + "}"
        raise ValueError(f"The `padding` argument must be one of {choices}. "
                         f"Received: padding={padding}")
    return value


def positive_int(value, name):
    """`value` if it is an int > 0, else Keras's ValueError naming `name`."""
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Invalid value for argument `{name}`. Expected a strictly "
                         f"positive value. Received {name}={value}.")
    return value


def check_rank(layer, shape, rank):
    """Raises Keras's input-spec error unless `shape` has rank + 2 dimensions."""
    check_ndim(layer, shape, rank + 2)


def split_shape(shape, data_format):
    """(batch, spatial dims, channels) of an input shape."""
    if data_format == "channels_last":
        return shape[0], tuple(shape[1:-1]), shape[-1]
    return shape[0], tuple(shape[2:]), shape[1]


def join_shape(batch, spatial, channels, data_format):
    """The inverse of `split_shape`."""
    if data_format == "channels_last":
        return (batch, *spatial, channels)
    return (batch, channels, *spatial)


def output_length(length, window, stride, padding, dilation=1):
    """Output length of a convolution or pooling window sweep (None if unknown)."""
    if length is None:
        return None
    if padding in ("same", "causal"):
        return (length + stride - 1) // stride
    span = dilation * (window - 1) + 1
    return (length - span) // stride + 1 if length >= span else 0


def check_output_size(layer, input_shape, spatial_out, window_arg, window, strides, padding,
                      dilation=None):
    """Keras's "would be zero or negative" ValueError if an output length is <= 0."""
    if any(n is not None and n <= 0 for n in spatial_out):
        dil = "" if dilation is None else f", `dilation_rate={dilation}`"
        raise ValueError(
            f"Computed output size would be zero or negative. Received `inputs shape="
            f"{tuple(input_shape)}`, `{window_arg}={window}`{dil}, `strides={strides}`, "
            f"`padding={padding}` (layer '{layer.name}').")


def transpose_output_length(length, kernel, stride, padding, output_padding, dilation):
    """Output length of a transposed convolution (Keras's rule)."""
    if length is None:
        return None
    span = dilation * (kernel - 1) + 1
    if output_padding is None:
        return length * stride + (max(span - stride, 0) if padding == "valid" else 0)
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding
