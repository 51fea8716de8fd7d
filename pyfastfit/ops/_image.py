"""`keras.ops.image.resize`: bilinear (optionally antialiased) and nearest resizing.

Bilinear resizing is linear and separable, so it runs as two GEMMs with small
interpolation matrices (one per spatial axis) and stays differentiable through matmul's
backward rule; nearest is a gather (`take`) per axis. Sampling uses half-pixel centers,
as Keras 3 (TensorFlow's `tf.image.resize`).
"""

import numpy as np

from pyfastfit.ops import _linalg, _shape
from pyfastfit.ops import _math as m
from pyfastfit.ops._core import convert_to_tensor

_INTERPOLATIONS = ("bilinear", "nearest")


def _triangle_weights(n_in, n_out, antialias):
    """(n_out, n_in) float32: row o holds the weights of the inputs for output o."""
    scale = n_in / n_out
    width = max(scale, 1.0) if antialias else 1.0  # antialias widens the filter on downscale
    centers = (np.arange(n_out) + 0.5) * scale
    t = ((np.arange(n_in) + 0.5)[None, :] - centers[:, None]) / width
    w = np.maximum(0.0, 1.0 - np.abs(t))
    # Weights falling outside the image are dropped and the rest renormalized: at the
    # border this equals clamping the sample position, as TensorFlow does.
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def _nearest_indices(n_in, n_out):
    idx = np.floor((np.arange(n_out) + 0.5) * (n_in / n_out)).astype(np.int64)
    return np.minimum(idx, n_in - 1)


def _resize_axis(x, axis, n_out, interpolation, antialias):
    n_in = x.shape[axis]
    if n_in == n_out:
        return x
    if interpolation == "nearest":
        return _shape.take(x, _nearest_indices(n_in, n_out), axis=axis)
    w = _triangle_weights(n_in, n_out, antialias)
    last = x.ndim - 1
    moved = _shape.moveaxis(x, axis, last) if axis != last else x
    out = _linalg.matmul(moved, np.ascontiguousarray(w.T))
    return _shape.moveaxis(out, last, axis) if axis != last else out


def _aspect_box(height, width, target_h, target_w, pad):
    if pad:
        new_h = max(height, int(width * target_h / target_w))
        new_w = max(width, int(height * target_w / target_h))
    else:
        new_h = max(min(height, int(width * target_h / target_w)), 1)
        new_w = max(min(width, int(height * target_w / target_h)), 1)
    return new_h, new_w, abs(new_h - height) // 2, abs(new_w - width) // 2


def resize(images, size, interpolation="bilinear", antialias=False,
           crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, fill_mode="constant",
           fill_value=0.0, data_format=None):
    """Resizes images to `size` = `(height, width)`.

    Args:
        images: a 3-D `(height, width, channels)` or 4-D `(batch, height, width,
            channels)` tensor (channels first with `data_format="channels_first"`).
        size: `(height, width)` of the output.
        interpolation: `"bilinear"` or `"nearest"`.
        antialias: widen the bilinear filter when downsampling (no aliasing).
        crop_to_aspect_ratio: crop the centre to the target aspect ratio first.
        pad_to_aspect_ratio: pad to the target aspect ratio with `fill_value` first.
        fill_mode: only `"constant"`.
        fill_value: the padding value.
        data_format: `"channels_last"` or `"channels_first"`; defaults to
            `keras.config.image_data_format()`.

    Integer images are resized in float32, then rounded and cast back, as Keras.

    Example:

    >>> ops.image.resize(np.ones((2, 4, 4, 3)), (2, 2)).shape
    (2, 2, 2, 3)
    """
    if data_format is None:
        from pyfastfit.config import image_data_format

        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError("`data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"`interpolation` must be one of {_INTERPOLATIONS}. "
                         f"Received: interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can "
                         "be True. Received: both True")
    if fill_mode != "constant":
        raise ValueError(f"`fill_mode` must be 'constant'. Received: fill_mode={fill_mode!r}")
    try:
        out_h, out_w = (int(s) for s in size)
    except (TypeError, ValueError):
        out_h = out_w = 0
    if out_h <= 0 or out_w <= 0 or len(tuple(size)) != 2:
        raise ValueError("`size` must be a pair of positive ints (height, width). "
                         f"Received: size={size!r}")
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError("`images` must be 3-D (height, width, channels) or 4-D (batch, "
                         f"height, width, channels). Received: images.shape={x.shape}")
    in_dtype = x.dtype
    if in_dtype != "float32":
        x = convert_to_tensor(x, "float32")
    h_axis = x.ndim - 3 if data_format == "channels_last" else x.ndim - 2
    w_axis = h_axis + 1
    height, width = x.shape[h_axis], x.shape[w_axis]
    if height == 0 or width == 0:
        raise ValueError(f"`images` must have a non-empty height and width. "
                         f"Received: images.shape={x.shape}")
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        new_h, new_w, top, left = _aspect_box(height, width, out_h, out_w, pad_to_aspect_ratio)
        if crop_to_aspect_ratio:
            index = [slice(None)] * x.ndim
            index[h_axis] = slice(top, top + new_h)
            index[w_axis] = slice(left, left + new_w)
            x = x[tuple(index)]
        else:
            # The same margin on both sides (Keras's rule: an odd excess loses one row).
            widths = [(0, 0)] * x.ndim
            widths[h_axis] = (top, top)
            widths[w_axis] = (left, left)
            x = _shape.pad(x, widths, constant_values=float(fill_value))
    x = _resize_axis(x, h_axis, out_h, interpolation, antialias)
    x = _resize_axis(x, w_axis, out_w, interpolation, antialias)
    if in_dtype != "float32":
        info = np.iinfo(in_dtype) if in_dtype != "bool" else None
        if info is not None:
            x = m.clip(m.round(x), float(info.min), float(info.max))
        x = _shape.cast(x, in_dtype)
    return x


__all__ = ["resize"]
