"""Keras-style input checks shared by built-in layers (what `InputSpec` checks in Keras)."""

from pyfastfit import backend


def check_ndim(layer, shape, ndim):
    """Raises Keras's ValueError when an input of `shape` is not of rank `ndim`."""
    if len(shape) != ndim:
        raise ValueError(f'Input 0 of layer "{layer.name}" is incompatible with the layer: '
                         f"expected ndim={ndim}, found ndim={len(shape)}. "
                         f"Full shape received: {tuple(shape)}")


def standardize_data_format(data_format):
    """`data_format` or the configured default; ValueError for any other string."""
    if data_format is None:
        return backend.image_data_format()
    value = str(data_format).lower()
    if value not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return value


def normalize_tuple(value, n, name, allow_zero=False):
    """`value` (an int or n ints) as a tuple of n ints, each > 0 (>= 0 with allow_zero),
    with Keras's messages."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(msg) from None
        if len(values) != n or any(not isinstance(v, int) or isinstance(v, bool)
                                   for v in values):
            raise ValueError(msg)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    if bad:
        req = "`value >= 0`" if allow_zero else "`value > 0`"
        raise ValueError(f"{msg}, including values {bad} that do not satisfy {req}")
    return values


def normalize_pairs(value, name, n=2):
    """2D (n = 2) / 3D (n = 3) padding or cropping: an int, n ints or n pairs of ints ->
    n (begin, end) pairs of non-negative ints, e.g. ((top, bottom), (left, right))."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((value, value),) * n
    if n == 3 and hasattr(value, "__len__"):
        if len(value) != 3:
            raise ValueError(f"`{name}` should have 3 elements. Received: {value}.")
        ordinals = ("1st", "2nd", "3rd")
        return tuple(normalize_tuple(v, 2, f"{ordinals[i]} entry of {name}", allow_zero=True)
                     for i, v in enumerate(value))
    if hasattr(value, "__len__") and len(value) == 2:
        return (normalize_tuple(value[0], 2, f"1st entry of {name}", allow_zero=True),
                normalize_tuple(value[1], 2, f"2nd entry of {name}", allow_zero=True))
    raise ValueError(f"`{name}` should be either an int, a tuple of 2 ints "
                     "(symmetric_height, symmetric_width), or a tuple of 2 tuples of 2 "
                     "ints ((top, bottom), (left, right)). "
                     f"Received: {name}={value}.")
