"""`Dataset`: an input pipeline over in-memory arrays, as `tf.data.Dataset`.

Pipelines that start with `from_tensor_slices` keep working on row *indices* through
`shuffle`, `repeat`, `take`, `skip` and `prefetch`; `batch` then gathers each batch from
the whole arrays with one NumPy indexing call per array (a plain slice, so a view, when
the rows are contiguous). No per-element Python runs for such pipelines. Anything after
a `map` or `filter` runs element by element, as in `tf.data`.

This module holds `Dataset` (the public methods) and its source `_TensorSlices`; the
transformations are `Dataset` subclasses in transformations.py (index-level, batching)
and element_transforms.py (map, filter, generators, zip), on the index-chunk helpers
of index_chunks.py. Since they subclass `Dataset`, its methods import them when called.
"""

import numpy as np

from pyfastfit.data import structure as _structure
from pyfastfit.data.index_chunks import (  # noqa: F401 (also imported from here)
    _as_index_array,
    _buffer_shuffle,
    _buffer_shuffle_chunks,
)

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
AUTOTUNE = -1


def _normalize(value):
    """Tuples/dicts stay containers; every other value (lists included, as in tf.data)
    becomes a NumPy array."""
    if isinstance(value, dict):
        return {k: _normalize(v) for k, v in value.items()}
    if isinstance(value, tuple):
        values = [_normalize(v) for v in value]
        return type(value)(*values) if hasattr(value, "_fields") else tuple(values)
    return _structure.to_numpy(value)


def _check_count(name, value, allow_none=False, allow_negative=False):
    if value is None and allow_none:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an integer. Received: {name}={value!r}")
    if value < 0 and not allow_negative:
        raise ValueError(f"`{name}` must be >= 0. Received: {name}={value}")
    return int(value)


class Dataset:
    """A sequence of elements (NumPy arrays in tuples/dicts) built as a pipeline.

    Build one with `Dataset.from_tensor_slices(...)` or `Dataset.range(...)`, then chain
    `shuffle`, `batch`, `repeat`, `take`, `skip`, `map`, `filter`, `prefetch`. Iterating
    yields NumPy arrays in the structure of the input (a tuple stays a tuple, a dict a
    dict). `model.fit`, `evaluate` and `predict` accept it directly.

    Example:

    ```python
    ds = pyfastfit.data.Dataset.from_tensor_slices((x_train, y_train))
    ds = ds.shuffle(buffer_size=1024, seed=0).batch(64).prefetch(pyfastfit.data.AUTOTUNE)
    for x_batch, y_batch in ds:
        ...
    ```
    """

    # -- construction -----------------------------------------------------------------

    @staticmethod
    def from_tensor_slices(tensors):
        """Creates a Dataset whose elements are the slices of `tensors` along axis 0.

        Args:
            tensors: an array, or a (nested) tuple or dict of arrays that all have the
                same first dimension. Lists are converted to arrays (as in `tf.data`);
                use a tuple to pass several arrays.

        Returns:
            A `Dataset` with one element per row.

        Example:

        ```python
        ds = Dataset.from_tensor_slices(({"a": np.arange(3)}, np.ones(3)))
        x, y = next(iter(ds))  # x == {"a": 0}, y == 1.0
        ```
        """
        return _TensorSlices(tensors)

    @staticmethod
    def range(*args):
        """Creates a Dataset of a step-separated range of int64 values, as Python's
        `range(start, stop, step)`."""
        return _TensorSlices(np.arange(*args, dtype=np.int64))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None):
        """Creates a Dataset whose elements are yielded by `generator(*args)`.

        The callable is called again for each pass over the dataset. The `output_*`
        arguments are accepted for `tf.data` compatibility (elements are not checked).

        Example:

        ```python
        def gen():
            for i in range(3):
                yield np.full((2,), i), i

        ds = Dataset.from_generator(gen).batch(2)
        ```
        """
        if not callable(generator):
            raise TypeError(
                "`generator` must be a callable that returns an iterator. "
                f"Received: {generator!r}"
            )
        from pyfastfit.data.element_transforms import _FromGenerator

        return _FromGenerator(generator, tuple(args or ()))

    @staticmethod
    def zip(*datasets):
        """Combines datasets element-wise into tuples (or the structure given), stopping
        at the shortest.

        Args:
            *datasets: datasets, or one (nested) tuple/dict of datasets.

        Example:

        ```python
        ds = Dataset.zip(Dataset.range(3), Dataset.range(3).map(lambda v: v * 2))
        ```
        """
        if len(datasets) == 1 and isinstance(datasets[0], (tuple, dict)):
            datasets = datasets[0]
        leaves, treedef = _structure.flatten(datasets)
        for d in leaves:
            if not isinstance(d, Dataset):
                raise TypeError(f"Dataset.zip expects Datasets. Received: {d!r}")
        from pyfastfit.data.element_transforms import _Zip

        return _Zip(leaves, treedef)

    # -- transformations --------------------------------------------------------------

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=True):
        """Randomly shuffles the elements, drawing each from a buffer of `buffer_size`.

        A `buffer_size` at least the dataset's size gives a uniform permutation.

        Args:
            buffer_size: number of elements the random draw picks from (>= 1).
            seed: integer seed of the shuffle. Defaults to `None` (drawn from NumPy's
                global generator, so `utils.set_random_seed` makes it reproducible).
            reshuffle_each_iteration: if `True` (default), each pass over the dataset
                uses a new order; if `False`, every pass repeats the first order.
        """
        buffer_size = _check_count("buffer_size", buffer_size, allow_negative=True)
        if buffer_size < 1:
            raise ValueError(
                f"`buffer_size` must be >= 1. Received: buffer_size={buffer_size}"
            )
        from pyfastfit.data.transformations import _Shuffle

        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None):
        """Combines consecutive elements into batches (arrays stacked along a new axis 0).

        Args:
            batch_size: number of elements per batch (>= 1).
            drop_remainder: if `True`, drops the last batch when it is smaller than
                `batch_size`. Defaults to `False`.
            num_parallel_calls, deterministic: accepted for `tf.data` compatibility.
        """
        batch_size = _check_count("batch_size", batch_size)
        if batch_size < 1:
            raise ValueError(f"`batch_size` must be >= 1. Received: batch_size={batch_size}")
        from pyfastfit.data.transformations import _Batch

        return _Batch(self, batch_size, bool(drop_remainder))

    def unbatch(self):
        """Splits each element (a batch) back into its rows."""
        from pyfastfit.data.transformations import _Unbatch

        return _Unbatch(self)

    def repeat(self, count=None):
        """Repeats the dataset `count` times (`None` or -1: forever). Each repetition
        re-runs the pipeline before it, so shuffles reshuffle."""
        count = _check_count("count", count, allow_none=True, allow_negative=True)
        if count is not None and count < -1:
            raise ValueError(f"`count` must be >= -1 or None. Received: count={count}")
        from pyfastfit.data.transformations import _Repeat

        return _Repeat(self, None if count == -1 else count)

    def take(self, count):
        """Keeps at most the first `count` elements (-1: all)."""
        count = _check_count("count", count, allow_negative=True)
        from pyfastfit.data.transformations import _Take

        return self if count == -1 else _Take(self, count)

    def skip(self, count):
        """Drops the first `count` elements (-1: all)."""
        count = _check_count("count", count, allow_negative=True)
        from pyfastfit.data.transformations import _Skip

        return _Skip(self, count)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Applies `map_func` to each element.

        A tuple element is unpacked into positional arguments (`map_func(x, y)`), any
        other element is passed as one argument. Whatever `map_func` returns (arrays,
        pyfastfit Tensors, numbers, in tuples/dicts) becomes the new element, as NumPy.
        Call `map` after `batch` to run it once per batch instead of once per row.
        """
        if not callable(map_func):
            raise TypeError(f"`map_func` must be callable. Received: {map_func!r}")
        from pyfastfit.data.element_transforms import _Map

        return _Map(self, map_func)

    def filter(self, predicate):
        """Keeps the elements for which `predicate(element)` is true."""
        if not callable(predicate):
            raise TypeError(f"`predicate` must be callable. Received: {predicate!r}")
        from pyfastfit.data.element_transforms import _Filter

        return _Filter(self, predicate)

    def enumerate(self, start=0):
        """Pairs each element with its position: `(index, element)`."""
        start = _check_count("start", start, allow_negative=True)
        from pyfastfit.data.element_transforms import _Count

        return Dataset.zip(_Count(start), self)

    def prefetch(self, buffer_size):
        """Accepted for `tf.data` compatibility; elements are produced on demand, so this
        returns an equivalent dataset (`buffer_size` may be `AUTOTUNE`)."""
        _check_count("buffer_size", buffer_size, allow_negative=True)
        from pyfastfit.data.transformations import _Prefetch

        return _Prefetch(self)

    def cache(self, filename=""):
        """Accepted for `tf.data` compatibility; the data is already in memory."""
        return self

    # -- inspection -------------------------------------------------------------------

    def cardinality(self):
        """Number of elements, or `INFINITE_CARDINALITY` (-1) / `UNKNOWN_CARDINALITY` (-2)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `cardinality()`.")

    def __len__(self):
        n = self.cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __iter__(self):
        return self._elements()

    def as_numpy_iterator(self):
        """An iterator over the elements (they already are NumPy arrays)."""
        return iter(self)

    def __repr__(self):
        return f"<{type(self).__name__.lstrip('_')} cardinality={self.cardinality()}>"

    # -- internals --------------------------------------------------------------------

    def _elements(self):
        """Generator of elements (each a structure of NumPy arrays)."""
        raise NotImplementedError(f"{type(self).__name__} must implement `_elements()`.")

    def _index_source(self):
        """The `_TensorSlices` at the root when this pipeline only reorders/selects rows
        (then `_index_chunks` works), else `None`."""
        return None

    def _index_chunks(self):
        """Generator of row-index chunks (`range` or int64 arrays) in element order."""
        raise NotImplementedError(
            f"{type(self).__name__} works on elements, not row indices (see `_index_source`).")

    def _row_batches(self):
        """How this pipeline batches rows of arrays, for loops that gather batches
        themselves (the trainer's fast path), or None.

        Returns `(element, batch_size, drop_remainder, shuffled, next_order)` when the
        pipeline is `from_tensor_slices` -> any of shuffle / repeat / take / skip /
        prefetch -> `batch` -> prefetch, with a finite cardinality: `element` is the
        structure of the whole source arrays, `next_order()` the rows of the next pass
        in element order (an int64 array; it advances a shuffle's RNG exactly as
        iterating the pass would), `shuffled` whether passes may differ.
        """
        from pyfastfit.data.transformations import _Batch, _Prefetch, _Shuffle

        ds = self
        while isinstance(ds, _Prefetch):
            ds = ds._parent
        if not isinstance(ds, _Batch) or ds.cardinality() < 0:
            return None
        source = ds._parent._index_source()
        if source is None:
            return None
        shuffled, node = False, ds._parent
        while node is not source:
            shuffled = shuffled or isinstance(node, _Shuffle)
            node = node._parent

        def next_order():
            chunks = [_as_index_array(c) for c in ds._parent._index_chunks()]
            return np.concatenate(chunks) if chunks else np.empty(0, np.int64)

        element = _structure.unflatten(source._treedef, source._leaves)
        return element, ds._batch_size, ds._drop_remainder, shuffled, next_order


# -- source ---------------------------------------------------------------------------


class _TensorSlices(Dataset):
    def __init__(self, tensors):
        tensors = _normalize(tensors)
        leaves, self._treedef = _structure.flatten(tensors)
        if not leaves:
            raise ValueError("from_tensor_slices needs at least one array.")
        for leaf in leaves:
            if leaf.ndim == 0:
                raise ValueError(
                    "from_tensor_slices needs arrays with at least one dimension to "
                    f"slice. Received a scalar: {leaf!r}"
                )
        sizes = {leaf.shape[0] for leaf in leaves}
        if len(sizes) > 1:
            shapes = ", ".join(str(leaf.shape) for leaf in leaves)
            raise ValueError(
                "from_tensor_slices needs arrays with the same first dimension. "
                f"Received shapes: {shapes}"
            )
        self._leaves = leaves
        self._n = sizes.pop()

    def cardinality(self):
        return self._n

    def _index_source(self):
        return self

    def _index_chunks(self):
        if self._n:
            yield range(self._n)

    def _gather(self, idx):
        """Element structure for a row index (int) or a batch of rows (range/array)."""
        if isinstance(idx, range):
            key = slice(idx.start, idx.stop)
        elif type(idx) is np.ndarray:  # a batch of rows: np.take is the faster gather
            return _structure.unflatten(
                self._treedef, [np.take(leaf, idx, axis=0) if type(leaf) is np.ndarray
                                else leaf[idx] for leaf in self._leaves])
        else:
            key = idx
        return _structure.unflatten(self._treedef, [leaf[key] for leaf in self._leaves])

    def _elements(self):
        for chunk in self._index_chunks():
            for i in chunk:
                yield self._gather(int(i))
