"""`keras.ops.image`: `resize`, `crop_images`, `pad_images`, `rgb_to_grayscale`."""

from pyfastfit.ops._image import resize  # noqa: F401
from pyfastfit.ops._image_ops import crop_images, pad_images, rgb_to_grayscale  # noqa: F401

__all__ = ["crop_images", "pad_images", "resize", "rgb_to_grayscale"]
