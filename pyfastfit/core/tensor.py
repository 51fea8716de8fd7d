"""Tensor: the eager value type, a thin wrapper over a C++ `_C.Tensor`."""

import numpy as np

from pyfastfit.core._c import _C

_DTYPES = ("float32", "int32", "int64", "uint8", "bool")


class Tensor:
    """An immutable n-dimensional array whose storage lives in C++.

    Created by `ops` functions or `convert_to_tensor`; converts to NumPy without a
    copy (`np.asarray(t)`, `t.numpy()`). Arithmetic, comparison and indexing
    operators dispatch to `pyfastfit.ops` and are recorded by an active
    `GradientTape`.

    Example:

    >>> t = pyfastfit.ops.convert_to_tensor([[1.0, 2.0]])
    >>> t.shape
    (1, 2)
    """

    # `_keras_mask`: the mask a masking layer attached (Keras's backend.set_keras_mask);
    # read with getattr(t, "_keras_mask", None), unset on most tensors.
    __slots__ = ("_c", "_keras_mask", "__weakref__")
    # NumPy defers binary operators to us (ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 100

    def __init__(self, value, dtype=None):
        self._c = to_c(value, dtype)

    @property
    def shape(self):
        """Tuple of dimension sizes."""
        return self._c.shape

    @property
    def dtype(self):
        """Element type name: "float32", "int32", "int64", "uint8" or "bool"."""
        return self._c.dtype

    @property
    def ndim(self):
        return self._c.ndim

    @property
    def size(self):
        return self._c.size

    @property
    def device(self):
        return self._c.device

    def numpy(self):
        """The value as a NumPy array (a read-only view of the storage)."""
        a = np.asarray(self._c)
        a.flags.writeable = False
        return a

    def __array__(self, dtype=None, copy=None):
        a = np.asarray(self._c)
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        if copy:
            return a.copy()
        return a

    def __len__(self):
        if not self.shape:
            raise TypeError(f"len() of a 0-d tensor (shape ()). Received: dtype={self.dtype}")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError(
                f"iteration over a 0-d tensor (shape ()). Received: dtype={self.dtype}")
        # Not a generator function: iter(t) must raise at once for a 0-d tensor, as NumPy.
        return (self[i] for i in range(self.shape[0]))

    def __float__(self):
        value = self._c.float_value()  # one C++ call for a float32 scalar
        return float(self._number("float")) if value is None else value

    def __int__(self):
        return int(self._number("int"))

    def __index__(self):
        if self.dtype not in ("int32", "int64", "uint8") or self.shape:
            raise TypeError(
                f"Only 0-d integer tensors can be used as an index. Received: a tensor "
                f"with dtype={self.dtype} and shape={self.shape}")
        return int(self._scalar())

    def __bool__(self):
        if self.size != 1:
            # As NumPy: an empty or multi-element truth value is ambiguous.
            what = "empty tensor" if self.size == 0 else "tensor with more than one element"
            raise ValueError(
                f"The truth value of an {what} is ambiguous; use ops.any(x) or ops.all(x). "
                f"Received: shape={self.shape}")
        return bool(self._scalar())

    def __round__(self, ndigits=None):
        """`round(t)`: a Python int for a 0-d tensor (`round(t, n)`: a float, as for Python
        numbers); an elementwise-rounded tensor of the same dtype otherwise."""
        if not self.shape:
            v = self._scalar().item()
            return round(v) if ndigits is None else round(v, ndigits)
        from pyfastfit import ops  # ops installs on Tensor; core must not import it at load

        return ops.round(self, decimals=0 if ndigits is None else ndigits)

    def __format__(self, spec):
        # A 0-d tensor formats as its Python value (f"{loss:.4f}"); others as NumPy's
        # arrays: only the empty spec is allowed.
        if not self.shape:
            v = self._scalar()
            # The empty spec is str(): float32's shortest repr ('0.1', not '0.10000000149').
            return format(v.item(), spec) if spec else str(v)
        if spec:
            raise TypeError(
                f"unsupported format string passed to Tensor.__format__: only 0-d tensors "
                f"take a format spec. Received: spec={spec!r}, shape={self.shape}")
        return str(self)

    def _number(self, kind):
        if self.size != 1:
            raise TypeError(
                f"Only a tensor with one element can be converted to a Python {kind}. "
                f"Received: shape={self.shape}")
        return self._scalar()

    def _scalar(self):
        if self.size != 1:
            raise ValueError(
                f"Only a tensor with one element can be converted to a Python scalar; "
                f"got shape {self.shape}."
            )
        return np.asarray(self._c).reshape(())[()]

    def item(self):
        return self._scalar().item()

    def tolist(self):
        return np.asarray(self._c).tolist()

    def __repr__(self):
        return f"<Tensor shape={self.shape}, dtype={self.dtype}, numpy=\n{np.asarray(self._c)!r}>"

    __hash__ = object.__hash__

    def __reduce__(self):
        # pickle / copy.deepcopy: rebuilt from a NumPy copy of the value.
        return (Tensor, (np.array(self._c, copy=True),))

    def __deepcopy__(self, memo):
        return wrap(self._c.clone())


def wrap(c):
    """Wraps a `_C.Tensor` without any conversion (the fast path for op outputs)."""
    t = Tensor.__new__(Tensor)
    t._c = c
    return t


def to_c(value, dtype=None):
    """Converts a Tensor, Variable, NumPy array, scalar or nested list to a `_C.Tensor`.

    Rule: floats become float32; bools stay bool; uint8 stays uint8; other integers
    become int32 (8/16-bit signed) or int64 (Python ints and 64-bit); C-contiguous
    arrays of a supported dtype are used without a copy.
    """
    if type(value) is np.ndarray and dtype is None:
        return _C.from_numpy(value)  # fast path: same rules, applied in C++
    if isinstance(value, Tensor):
        c = value._c
        if dtype is not None and c.dtype != dtype:
            return _C.from_numpy(np.asarray(c).astype(dtype))
        return c
    if isinstance(value, _C.Tensor):
        return value
    if dtype is not None:
        if dtype not in _DTYPES:
            dt = np.dtype(dtype).name
            dtype = "float32" if dt.startswith("float") else dt
            if dtype not in _DTYPES:
                raise ValueError(
                    f"Unsupported dtype {dtype!r}: expected one of {', '.join(_DTYPES)}."
                )
        a = np.asarray(value, dtype=dtype)
    else:
        try:
            a = np.asarray(value)
        except ValueError as e:
            raise ValueError(
                f"Cannot convert a non-rectangular {type(value).__name__} to a Tensor ({e}). "
                f"Received: {value!r:.80}") from None
        if a.dtype == np.float64 and not isinstance(value, np.ndarray):
            a = a.astype(np.float32)
    if a.dtype == object:
        raise TypeError(
            f"Cannot convert a {type(value).__name__} of dtype object to a Tensor: expected "
            f"numbers or bools of one shape. Received: {value!r:.80}")
    return _C.from_numpy(a)
