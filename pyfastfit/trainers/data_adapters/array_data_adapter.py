"""ArrayDataAdapter: NumPy arrays (and lists/tuples/dicts of them) -> batches.

All data is normalised once into flat lists of C-contiguous NumPy arrays
(`x_flat`, `y_flat`, `sw_flat`, class weights already folded into `sw_flat`), so a
per-epoch loop (the eager one here, or a C++ fast path) only gathers rows.
"""

import math

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.trainers import _tree

_KEEP_DTYPES = {np.dtype(d) for d in ("float32", "int32", "int64", "uint8", "bool")}


def _is_array_like(a):
    return isinstance(a, (np.ndarray, Tensor)) or hasattr(a, "__array__") or (
        hasattr(a, "to_numpy") and hasattr(a, "shape"))


def _to_numpy(a, arg):
    """Converts one leaf to a C-contiguous array with a supported dtype."""
    if a is None:
        return None
    if hasattr(a, "to_numpy") and not isinstance(a, np.ndarray):  # pandas
        a = a.to_numpy()
    elif not isinstance(a, np.ndarray):
        if isinstance(a, (int, float, str, bytes)) or callable(a):
            raise ValueError(
                f"Unrecognized data type for `{arg}`: expected NumPy arrays (or lists, "
                f"tuples or dicts of arrays). Received: {arg}={a!r} of type "
                f"{type(a).__name__}")
        a = np.asarray(a)
    if a.ndim == 0:
        raise ValueError(f"Expected arrays with a batch dimension for `{arg}`. "
                         f"Received a scalar: {arg}={a!r}")
    if a.dtype not in _KEEP_DTYPES:
        if a.dtype.kind == "f":
            a = a.astype(np.float32)
        elif a.dtype.kind in "iu":
            if a.dtype == np.uint64 and a.size and int(a.max()) > 2**63 - 1:
                # The int64 cast would wrap these to negatives: a silent wrong answer.
                raise ValueError(f"`{arg}` holds uint64 values above 2**63 - 1 (max "
                                 f"{int(a.max())}), which int64 cannot represent. "
                                 f"Received: {arg} of dtype uint64")
            a = a.astype(np.int64 if a.dtype.itemsize >= 8 else np.int32)
        elif a.dtype.kind == "b":
            a = a.astype(bool)
        else:
            raise ValueError(f"Unsupported dtype {a.dtype} in `{arg}`; expected numeric "
                             "arrays.")
    return np.ascontiguousarray(a)


def unpack_x_y_sample_weight(data):
    """Unpacks `(x,)`, `(x, y)` or `(x, y, sample_weight)` into a 3-tuple.

    Example:

    >>> x, y, sw = unpack_x_y_sample_weight((np.ones(3), np.zeros(3)))
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return (data, None, None)
    if len(data) == 1:
        return (data[0], None, None)
    if len(data) == 2:
        return (data[0], data[1], None)
    if len(data) == 3:
        return (data[0], data[1], data[2])
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data}")


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Packs a batch as `fit` hands it to `train_step` (Keras): `x` alone when there are
    no targets and x is not a list/tuple (a list/tuple of inputs comes as `(x,)`, so it
    is not read as `(x, y)`), else `(x, y)` or `(x, y, sample_weight)`.

    Example:

    >>> pack_x_y_sample_weight(np.ones(3)).shape
    (3,)
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def train_validation_split(arrays, validation_split):
    """Splits `(x, y, sample_weight)` keeping the LAST `validation_split` for validation.

    Returns `(train_arrays, val_arrays)`, each a tuple with the input's structure.
    """
    for leaf in _tree.flatten(arrays):
        if leaf is not None and not _is_array_like(leaf):
            raise ValueError(
                "`validation_split` is only supported for NumPy arrays (or lists, tuples "
                "or dicts of arrays), found the following types in the input: "
                f"{sorted({type(t).__name__ for t in _tree.flatten(arrays)})}")
    if not 0.0 < validation_split < 1.0:
        raise ValueError("`validation_split` must be between 0 and 1. Received: "
                         f"validation_split={validation_split}")
    leaves = [a for a in _tree.flatten(arrays) if a is not None]
    n = int(np.shape(leaves[0])[0])
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it "
            f"into a validation and training set as specified by `validation_split="
            f"{validation_split}`. Either provide more data, or a different value for "
            "the `validation_split` argument.")

    def cut(lo, hi):
        return _tree.map_structure(lambda a: None if a is None else a[lo:hi], arrays)

    return cut(0, split_at), cut(split_at, n)


def class_weight_to_sample_weights(y, class_weight):
    """Per-sample weights from a `{class_index: weight}` dict, as Keras does.

    One-hot targets use their argmax; `(n, 1)` targets are squeezed; classes missing
    from the dict get weight 1.
    """
    y = np.asarray(y)
    if y.ndim > 1:
        y = np.argmax(y, axis=-1) if y.shape[-1] != 1 else np.squeeze(y, axis=-1)
    y = np.round(y).astype(np.int64).reshape(-1)
    if len(y) == 0:
        return np.ones((0,), np.float32)
    lo, hi = min(int(y.min()), 0), int(y.max())
    table = np.ones(hi - lo + 1, np.float32)
    for k, w in class_weight.items():
        k = int(k)
        if lo <= k <= hi:
            table[k - lo] = float(w)
    return table[y - lo]


def _is_plain_sequence(v):
    """A (nested) list/tuple of Python numbers: one array, not a structure of arrays."""
    if isinstance(v, (list, tuple)) and v:
        return all(isinstance(e, (int, float, bool, np.number)) or _is_plain_sequence(e)
                   for e in v)
    return False


def _as_structure(v):
    return np.asarray(v) if _is_plain_sequence(v) else v


class ArrayDataAdapter:
    """Batches NumPy data for one fit/evaluate/predict call.

    Args:
        x, y, sample_weight: arrays or lists/tuples/dicts of arrays.
        batch_size: samples per batch. Defaults to 32.
        steps: batches per epoch; when set, batches are drawn from an endless stream
            (reshuffled at each pass) so consecutive epochs continue where the last
            one stopped.
        shuffle: reshuffle the samples at each pass.
        class_weight: `{class: weight}`, folded into the sample weights.

    Attributes (the normalised data, also what a C++ loop consumes):
        x_flat, y_flat, sw_flat: lists of C-contiguous arrays (`y_flat`/`sw_flat` may
            be empty). `num_samples`, `batch_size`, `num_batches`, `shuffle`.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None):
        if x is None:
            raise ValueError("The input data `x` is required. Received: x=None")
        x, y, sample_weight = (_as_structure(x), _as_structure(y),
                               _as_structure(sample_weight))
        self.x_flat = [_to_numpy(a, "x") for a in _tree.flatten(x)]
        self.y_flat = [] if y is None else [_to_numpy(a, "y") for a in _tree.flatten(y)]
        if any(a is None for a in self.x_flat + self.y_flat):
            raise ValueError("`x` and `y` must not contain None entries.")
        self._pack_x = _tree.packer(x)
        self._pack_y = None if y is None else _tree.packer(y)
        self.sw_flat = []
        self._pack_sw = None
        if sample_weight is not None:
            self.sw_flat = [_to_numpy(a, "sample_weight") for a in _tree.flatten(sample_weight)]
            self._pack_sw = _tree.packer(sample_weight)
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("You cannot use `class_weight` and `sample_weight` at "
                                 "the same time.")
            if y is None:
                raise ValueError("`class_weight` requires targets `y`.")
            if len(self.y_flat) != 1:
                raise ValueError("`class_weight` is only supported for Models with a "
                                 f"single output. Received {len(self.y_flat)} targets.")
            self.sw_flat = [class_weight_to_sample_weights(self.y_flat[0], class_weight)]
            self._pack_sw = _tree.packer(self.sw_flat[0])
        self.sw_flat = [w.astype(np.float32) if w.dtype != np.float32 else w
                        for w in self.sw_flat]
        self.num_samples = self._check_cardinality()
        if batch_size is None:
            batch_size = 32
        if int(batch_size) < 1:
            raise ValueError(f"`batch_size` must be a positive integer. Received: "
                             f"batch_size={batch_size}")
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.batches_per_pass = max(1, math.ceil(self.num_samples / self.batch_size))
        self._steps = None if steps is None else int(steps)
        self.num_batches = self.batches_per_pass if steps is None else self._steps
        self._stream = None

    def _check_cardinality(self):
        sizes = {}
        for name, arrs in (("x", self.x_flat), ("y", self.y_flat),
                           ("sample_weight", self.sw_flat)):
            if arrs:
                sizes[name] = [int(a.shape[0]) for a in arrs]
        distinct = {s for v in sizes.values() for s in v}
        if len(distinct) > 1:
            detail = "\n".join(f"'{k}' sizes: {', '.join(map(str, v))}"
                               for k, v in sizes.items())
            raise ValueError("Data cardinality is ambiguous. Make sure all arrays contain "
                             f"the same number of samples.\n{detail}")
        return distinct.pop()

    # -- batching -----------------------------------------------------------------
    def pass_order(self):
        """The sample order of the next pass: an int64 permutation (drawn from NumPy's
        global RNG) when shuffling, else None (identity). A C++ loop replacing
        `epoch()` calls this once per pass so both paths see the same batches."""
        return np.random.permutation(self.num_samples) if self.shuffle else None

    def _pass_bounds(self):
        """`(order, bounds)` for one pass: the pass order (None: identity) and each
        batch's `(start, stop)` positions in it."""
        n, bs = self.num_samples, self.batch_size
        return self.pass_order(), [(i, min(i + bs, n)) for i in range(0, n, bs)]

    def batch_plan(self):
        """Yields `(step, (order, start, stop))` for one epoch: batch `step` is the rows
        `order[start:stop]` (`start:stop` when `order` is None). `epoch()` makes its
        batches from it; fit's loop may instead gather those rows itself (straight into
        a compiled step's input buffers)."""
        if self._steps is None:
            order, bounds = self._pass_bounds()
            for step, (lo, hi) in enumerate(bounds):
                yield step, (order, lo, hi)
            return
        if self._stream is None:
            self._stream = self._endless()
        for step in range(self._steps):
            yield step, next(self._stream)

    def _endless(self):
        while True:
            order, bounds = self._pass_bounds()
            for lo, hi in bounds:
                yield order, lo, hi

    def _make_batch(self, idx):
        return self._make_batch_flat(idx)[0]

    def _make_batch_flat(self, idx):
        """The batch for `idx` (a slice or an index array), and its leaves (Tensors) in
        `x_flat + y_flat + sw_flat` order."""
        if type(idx) is slice:
            flat = [Tensor(a[idx]) for a in self.x_flat + self.y_flat + self.sw_flat]
        else:
            flat = [Tensor(a.take(idx, axis=0))
                    for a in self.x_flat + self.y_flat + self.sw_flat]
        nx, ny = len(self.x_flat), len(self.y_flat)
        x = self._pack_x(flat[:nx])
        if self._pack_y is None:
            # A custom `train_step(self, data)` reads `data` as x itself (the VAE guide).
            return pack_x_y_sample_weight(x), flat
        y = self._pack_y(flat[nx:nx + ny])
        if self._pack_sw is None:
            return (x, y), flat
        return (x, y, self._pack_sw(flat[nx + ny:])), flat

    def epoch(self):
        """Yields `(step, data)` for one epoch; `data` is `x` (see
        `pack_x_y_sample_weight`), `(x, y)` or `(x, y, sample_weight)` with the user's
        structure, leaves as Tensors."""
        for step, (order, lo, hi) in self.batch_plan():
            yield step, self._make_batch(slice(lo, hi) if order is None else order[lo:hi])
