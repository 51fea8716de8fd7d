"""`keras.ops.image`: image ops (`resize`)."""

from pyfastfit.ops._image import (  # noqa: F401
    resize,
)

__all__ = [
    "resize",
]
