"""`keras.ops.image` crop_images, pad_images and rgb_to_grayscale, composed from
differentiable slicing, padding and arithmetic."""

import numpy as np

from pyfastfit.ops import _math as m
from pyfastfit.ops import _reduce as r
from pyfastfit.ops import _shape as s
from pyfastfit.ops._core import convert_to_tensor

_GRAY = (0.2989, 0.5870, 0.1140)  # ITU-R 601 luma weights, as tf.image


def _layout(images, data_format, op):
    if data_format is None:
        from pyfastfit.config import image_data_format  # config sits above ops

        data_format = image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{op}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={data_format!r}")
    x = convert_to_tensor(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: `images` must be 3-D or 4-D. Received: images.shape={x.shape}")
    h = x.ndim - 3 if data_format == "channels_last" else x.ndim - 2
    c = x.ndim - 1 if data_format == "channels_last" else x.ndim - 3
    return x, h, h + 1, c


def _two_of_three(a, b, target, names, op):
    if [a, b, target].count(None) != 1:
        raise ValueError(f"{op}: give exactly two of {', '.join(names)}. Received: "
                         f"{names[0]}={a}, {names[1]}={b}, {names[2]}={target}")


def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None,
                data_format=None):
    """Crops `images` (3-D or 4-D) to a box given by two of (top, bottom, target height)
    and two of (left, right, target width)."""
    x, ha, wa, _ = _layout(images, data_format, "crop_images")
    index = [slice(None)] * x.ndim
    for axis, (a, b, t), names in (
            (ha, (top_cropping, bottom_cropping, target_height),
             ("top_cropping", "bottom_cropping", "target_height")),
            (wa, (left_cropping, right_cropping, target_width),
             ("left_cropping", "right_cropping", "target_width"))):
        _two_of_three(a, b, t, names, "crop_images")
        n = x.shape[axis]
        start = a if a is not None else n - b - t
        stop = start + t if t is not None else n - b
        if start < 0 or stop > n or stop < start:
            raise ValueError(f"crop_images: the crop box [{start}, {stop}) does not fit the "
                             f"size {n}. Received: {names[0]}={a}, {names[1]}={b}, "
                             f"{names[2]}={t}")
        index[axis] = slice(int(start), int(stop))
    return x[tuple(index)]


def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pads `images` (3-D or 4-D) given two of (top, bottom, target height) and two
    of (left, right, target width)."""
    x, ha, wa, _ = _layout(images, data_format, "pad_images")
    widths = [(0, 0)] * x.ndim
    for axis, (a, b, t), names in (
            (ha, (top_padding, bottom_padding, target_height),
             ("top_padding", "bottom_padding", "target_height")),
            (wa, (left_padding, right_padding, target_width),
             ("left_padding", "right_padding", "target_width"))):
        _two_of_three(a, b, t, names, "pad_images")
        n = x.shape[axis]
        before = a if a is not None else t - n - b
        after = b if b is not None else t - n - a
        if before < 0 or after < 0:
            raise ValueError(f"pad_images: the padding must be non-negative. Received: "
                             f"{names[0]}={a}, {names[1]}={b}, {names[2]}={t} for size {n}")
        widths[axis] = (int(before), int(after))
    return s.pad(x, widths)


def rgb_to_grayscale(images, data_format=None):
    """Luma of RGB `images` (3 channels) with one channel kept; integer images are cast
    back to their dtype by truncation, as Keras 3."""
    x, _, _, c = _layout(images, data_format, "rgb_to_grayscale")
    if x.shape[c] != 3:
        raise ValueError(f"rgb_to_grayscale: `images` must have 3 channels. "
                         f"Received: images.shape={x.shape}")
    in_dtype = x.dtype
    xf = x if in_dtype == "float32" else convert_to_tensor(x, "float32")
    shape = [1] * x.ndim
    shape[c] = 3
    weights = np.asarray(_GRAY, np.float32).reshape(shape)
    gray = r.sum(m.multiply(xf, weights), axis=c, keepdims=True)
    if in_dtype == "float32":
        return gray
    info = np.iinfo(in_dtype) if in_dtype != "bool" else None
    if info is not None:
        gray = m.clip(gray, float(info.min), float(info.max))  # then truncated, as Keras
    return s.cast(gray, in_dtype)


__all__ = ["crop_images", "pad_images", "rgb_to_grayscale"]
