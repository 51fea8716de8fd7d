"""Embedding: maps non-negative integer indices to rows of a trainable table."""

import warnings

import numpy as np

from pyfastfit import constraints, initializers, ops, regularizers
from pyfastfit.core import Tensor
from pyfastfit.layers.layer import Layer
from pyfastfit.ops._shape import take_rows


class Embedding(Layer):
    """Turns indices into dense vectors: `outputs[..., :] = embeddings[inputs[...]]`.

    Args:
        input_dim: size of the vocabulary (indices lie in `[0, input_dim)`).
        output_dim: size of each embedding vector.
        embeddings_initializer: defaults to `"uniform"` (in [-0.05, 0.05]).
        embeddings_regularizer: optional penalty on the table.
        embeddings_constraint: optional constraint on the table.
        mask_zero: whether index 0 is padding; `compute_mask` then returns
            `inputs != 0` (the index 0 itself still looks up row 0, as in Keras).
        weights: optional initial table, a list of one `(input_dim, output_dim)` array.

    An index outside `[0, input_dim)` raises a ValueError instead of reading outside
    the table. Float inputs are truncated to integers, as Keras casts them.

    Input shape: `(batch, ...)` integers. Output shape: `(batch, ..., output_dim)`.

    Example:

    >>> layer = keras.layers.Embedding(10, 4)
    >>> layer(np.array([[1, 2, 3]])).shape
    (1, 3, 4)
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, **kwargs):
        input_length = kwargs.pop("input_length", None)
        if input_length is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          stacklevel=2)
        super().__init__(**kwargs)
        for value in (input_dim, output_dim):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value <= 0:
                raise ValueError("Both `input_dim` and `output_dim` should be positive, "
                                 f"Received input_dim={input_dim} and "
                                 f"output_dim={output_dim}")
        if lora_rank:
            raise ValueError("Embedding(lora_rank=...) is not supported by pyfastfit. "
                             f"Received: lora_rank={lora_rank}")
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        self.embeddings = None
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.embeddings is not None:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          name="embeddings",
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def _indices(self, inputs):
        idx = np.asarray(inputs)
        if idx.dtype.kind == "f":
            if np.isnan(idx).any():
                raise ValueError(f"Embedding '{self.name}' received NaN indices.")
            idx = idx.astype(np.int64)
        elif idx.dtype.kind not in "iub":
            raise ValueError(f"Embedding '{self.name}' expects integer indices. "
                             f"Received: inputs.dtype={idx.dtype}")
        if idx.size and (idx.min() < 0 or idx.max() >= self.input_dim):
            bad = idx.min() if idx.min() < 0 else idx.max()
            raise ValueError(f"Embedding '{self.name}': indices must lie in [0, "
                             f"input_dim={self.input_dim}). Received an index of {bad} in "
                             f"inputs of shape {idx.shape}")
        return np.ascontiguousarray(idx, dtype=np.int32)

    def call(self, inputs):
        if isinstance(inputs, Tensor) and inputs.dtype in ("int32", "int64", "uint8"):
            # Range checked in C++, not read in NumPy: a compiled step can replay it.
            try:
                return take_rows(self.embeddings, inputs)
            except ValueError as e:
                raise ValueError(
                    f"Embedding '{self.name}': indices must lie in [0, input_dim="
                    f"{self.input_dim}). Received inputs of shape {inputs.shape}: {e}"
                ) from None
        return ops.take(self.embeddings, self._indices(inputs), axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": (regularizers.serialize(self.embeddings_regularizer)
                                       if self.embeddings_regularizer else None),
            "embeddings_constraint": (constraints.serialize(self.embeddings_constraint)
                                      if self.embeddings_constraint else None),
            "mask_zero": self.mask_zero,
        })
        return config
