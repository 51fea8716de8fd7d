"""Label and array helpers: `to_categorical`, `normalize`."""

import numpy as np


def to_categorical(x, num_classes=None):
    """Converts integer class labels to one-hot rows, as `keras.utils.to_categorical`.

    Args:
        x: array-like of integer labels in `[0, num_classes)`. A trailing axis of size 1
            is dropped first (shape `(n, 1)` gives `(n, num_classes)`).
        num_classes: number of classes. Defaults to `max(x) + 1`.

    Returns:
        A float32 NumPy array of shape `x.shape + (num_classes,)` (Keras returns
        float64; float32 is pyfastfit's math dtype, so `fit` uses it without a copy).

    Example:

    >>> to_categorical([0, 2, 1], num_classes=3)
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)
    """
    x = _as_numpy(x)
    if x.dtype.kind == "f":
        if not np.all(np.isfinite(x)) or np.any(x != np.floor(x)):
            raise ValueError("to_categorical expects integer class labels; received "
                             "non-integer values.")
    elif x.dtype.kind not in "iub":
        raise TypeError(f"to_categorical expects integer labels. Received dtype={x.dtype}")
    x = x.astype(np.int64)
    input_shape = x.shape
    if input_shape and input_shape[-1] == 1 and len(input_shape) > 1:
        input_shape = input_shape[:-1]
    x = x.reshape(-1)
    if num_classes is None or num_classes == 0:
        num_classes = int(x.max()) + 1 if x.size else 0
    num_classes = int(num_classes)
    if x.size and (x.min() < 0 or x.max() >= num_classes):
        raise ValueError(
            f"to_categorical: labels must be in [0, {num_classes}) for "
            f"num_classes={num_classes}. Received labels in [{x.min()}, {x.max()}]."
        )
    categorical = np.zeros((x.shape[0], num_classes), dtype=np.float32)
    categorical[np.arange(x.shape[0]), x] = 1.0
    return categorical.reshape(input_shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Normalizes an array to unit `order`-norm along `axis`, as `keras.utils.normalize`.

    Rows whose norm is 0 are left as zeros.

    Args:
        x: array to normalize (NumPy array or pyfastfit Tensor).
        axis: axis along which to normalize. Defaults to `-1`.
        order: norm order (2 for L2). Defaults to `2`.

    Returns:
        A NumPy array with the shape of `x`.

    Example:

    >>> normalize(np.array([[3.0, 4.0]]))
    array([[0.6, 0.8]])
    """
    x = _as_numpy(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    axis = -1 if axis is None else axis
    return x / np.expand_dims(norm, axis)


def _as_numpy(x):
    if isinstance(x, np.ndarray):
        return x
    numpy = getattr(x, "numpy", None)
    return np.asarray(numpy() if callable(numpy) else x)
