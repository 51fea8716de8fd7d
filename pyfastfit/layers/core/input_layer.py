"""InputLayer and Input: the entry points of a Functional graph."""

from pyfastfit.layers.keras_tensor import KerasTensor, Node
from pyfastfit.layers.layer import Layer

_MAX_DIM = 2**63 - 1  # the C++ side holds dimensions as int64


def _standardize_shape(batch_shape, shape):
    """`batch_shape` as a tuple of None / int dims; a negative, non-integer or too large
    dim is a ValueError quoting what the caller gave (`shape` when it was given)."""
    given = batch_shape if shape is None else shape
    try:
        dims = tuple(batch_shape)
    except TypeError:
        raise ValueError(f"Cannot convert '{given!r}' to a shape. Received: "
                         f"shape={given!r}") from None
    out = []
    for d in dims:
        if d is None:
            out.append(None)
            continue
        if isinstance(d, bool) or not hasattr(d, "__index__"):
            raise ValueError(f"Cannot convert '{given!r}' to a shape. Found invalid "
                             f"dimension '{d}' of type '{type(d)}'. Received: "
                             f"shape={given!r}")
        d = int(d.__index__())  # exact for NumPy integers, uint64 included
        if d < 0:
            raise ValueError(f"Cannot convert '{given!r}' to a shape. Negative dimensions "
                             f"are not allowed. Received: shape={given!r}")
        if d > _MAX_DIM:
            raise ValueError(f"Cannot convert '{given!r}' to a shape. Dimension {d} is "
                             f"larger than 2**63 - 1. Received: shape={given!r}")
        out.append(d)
    return tuple(out)


class InputLayer(Layer):
    """The layer behind `Input`: holds the symbolic input tensor of a Functional model.

    Args:
        shape: shape without the batch dimension, e.g. `(784,)`.
        batch_size: optional fixed batch size.
        dtype: dtype name. Defaults to "float32".
        batch_shape: full shape including the batch dimension (instead of `shape`).
        name: optional name.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None,
                 batch_shape=None, input_tensor=None, optional=False, name=None, **kwargs):
        kwargs.pop("input_shape", None) if shape is not None else None
        if "input_shape" in kwargs and shape is None:
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs and batch_shape is None:
            batch_shape = kwargs.pop("batch_input_shape")
        super().__init__(name=name, dtype=dtype, **kwargs)
        if shape is not None and batch_shape is not None:
            raise ValueError("You cannot pass both `shape` and `batch_shape` at the same time.")
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self._batch_shape = _standardize_shape(batch_shape, shape)
        self.sparse = bool(sparse)
        self.built = True
        t = KerasTensor(self._batch_shape, self._dtype, name=self.name, history=(self, 0, 0))
        node = Node(self, (), {}, t)
        self._inbound_nodes.append(node)
        self._input_tensor = t

    @property
    def batch_shape(self):
        return self._batch_shape

    def call(self, inputs=None):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self._batch_shape), "dtype": self._dtype,
                "sparse": self.sparse, "ragged": False, "name": self.name,
                "optional": False}

    @classmethod
    def from_config(cls, config):
        """Rebuilds the layer from a Keras 3 or Keras 2 config (`batch_input_shape`)."""
        config = dict(config)
        if config.pop("ragged", False):
            raise ValueError("Ragged inputs are not supported by pyfastfit. Received: "
                             f"config={config!r}")
        config.pop("optional", None)
        return super().from_config(config)


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
          name=None, tensor=None, optional=False):
    """Creates a symbolic input tensor for the Functional API.

    Args:
        shape: shape without the batch dimension, e.g. `(32,)`; None dims allowed.
        batch_size: optional fixed batch size.
        dtype: dtype name. Defaults to "float32".
        batch_shape: full shape including the batch dimension (instead of `shape`).
        name: name of the input (used to match dict inputs to `fit`/`predict`).

    Returns:
        A `KerasTensor` with shape `(batch_size, *shape)`.

    Example:

    >>> x = keras.Input(shape=(784,), name="digits")
    >>> x.shape
    (None, 784)
    """
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name)
    return layer._input_tensor
