"""`Dataset`: an input pipeline over in-memory arrays, as `tf.data.Dataset`.

Pipelines that start with `from_tensor_slices` keep working on row *indices* through
`shuffle`, `repeat`, `take`, `skip` and `prefetch`; `batch` then gathers each batch from
the whole arrays with one NumPy indexing call per array (a plain slice, so a view, when
the rows are contiguous). No per-element Python runs for such pipelines. Anything after
a `map` or `filter` runs element by element, as in `tf.data`.
"""

import itertools
import math

import numpy as np

from pyfastfit.data import structure as _structure

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
        return _Batch(self, batch_size, bool(drop_remainder))

    def unbatch(self):
        """Splits each element (a batch) back into its rows."""
        return _Unbatch(self)

    def repeat(self, count=None):
        """Repeats the dataset `count` times (`None` or -1: forever). Each repetition
        re-runs the pipeline before it, so shuffles reshuffle."""
        count = _check_count("count", count, allow_none=True, allow_negative=True)
        if count is not None and count < -1:
            raise ValueError(f"`count` must be >= -1 or None. Received: count={count}")
        return _Repeat(self, None if count == -1 else count)

    def take(self, count):
        """Keeps at most the first `count` elements (-1: all)."""
        count = _check_count("count", count, allow_negative=True)
        return self if count == -1 else _Take(self, count)

    def skip(self, count):
        """Drops the first `count` elements (-1: all)."""
        count = _check_count("count", count, allow_negative=True)
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
        return _Map(self, map_func)

    def filter(self, predicate):
        """Keeps the elements for which `predicate(element)` is true."""
        if not callable(predicate):
            raise TypeError(f"`predicate` must be callable. Received: {predicate!r}")
        return _Filter(self, predicate)

    def enumerate(self, start=0):
        """Pairs each element with its position: `(index, element)`."""
        start = _check_count("start", start, allow_negative=True)
        return Dataset.zip(_Count(start), self)

    def prefetch(self, buffer_size):
        """Accepted for `tf.data` compatibility; elements are produced on demand, so this
        returns an equivalent dataset (`buffer_size` may be `AUTOTUNE`)."""
        _check_count("buffer_size", buffer_size, allow_negative=True)
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


# -- index-level transformations (they keep working on row indices) -------------------


class _Unary(Dataset):
    def __init__(self, parent):
        self._parent = parent

    def _index_source(self):
        return self._parent._index_source()

    def _elements(self):
        source = self._index_source()
        if source is None:
            return self._generic_elements()
        return self._indexed_elements(source)

    def _indexed_elements(self, source):
        for chunk in self._index_chunks():
            for i in chunk:
                yield source._gather(int(i))


def _chunk_len(chunk):
    return len(chunk)


def _cut_chunks(chunks, start, stop):
    """Yields the part of a chunk stream between element positions [start, stop)."""
    pos = 0
    for chunk in chunks:
        n = _chunk_len(chunk)
        lo, hi = max(start - pos, 0), n if stop is None else min(stop - pos, n)
        if lo < hi:
            yield chunk[lo:hi]
        pos += n
        if stop is not None and pos >= stop:
            return


class _Take(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._count = count

    def cardinality(self):
        n = self._parent.cardinality()
        if n == UNKNOWN_CARDINALITY:
            return UNKNOWN_CARDINALITY
        return self._count if n == INFINITE_CARDINALITY else min(n, self._count)

    def _index_chunks(self):
        return _cut_chunks(self._parent._index_chunks(), 0, self._count)

    def _generic_elements(self):
        return itertools.islice(self._parent._elements(), self._count)


class _Skip(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._count = count

    def cardinality(self):
        n = self._parent.cardinality()
        if n < 0:
            return n
        return 0 if self._count == -1 else max(n - self._count, 0)

    def _index_chunks(self):
        if self._count == -1:
            return iter(())
        return _cut_chunks(self._parent._index_chunks(), self._count, None)

    def _generic_elements(self):
        if self._count == -1:
            return iter(())
        return itertools.islice(self._parent._elements(), self._count, None)


class _Repeat(_Unary):
    def __init__(self, parent, count):
        super().__init__(parent)
        self._count = count

    def cardinality(self):
        n = self._parent.cardinality()
        if self._count == 0 or n == 0:
            return 0
        if self._count is None:
            return n if n == UNKNOWN_CARDINALITY else INFINITE_CARDINALITY
        return n if n < 0 else n * self._count

    def _rounds(self):
        return itertools.count() if self._count is None else range(self._count)

    def _index_chunks(self):
        for _ in self._rounds():
            empty = True
            for chunk in self._parent._index_chunks():
                empty = False
                yield chunk
            if empty:
                return

    def _generic_elements(self):
        for _ in self._rounds():
            empty = True
            for element in self._parent._elements():
                empty = False
                yield element
            if empty:
                return


class _Prefetch(_Unary):
    def cardinality(self):
        return self._parent.cardinality()

    def _index_chunks(self):
        return self._parent._index_chunks()

    def _generic_elements(self):
        return self._parent._elements()


class _Shuffle(_Unary):
    def __init__(self, parent, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(parent)
        self._buffer_size = buffer_size
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        self._seed = _check_count("seed", seed)
        self._reshuffle = bool(reshuffle_each_iteration)
        self._rng = np.random.default_rng(self._seed)

    def cardinality(self):
        return self._parent.cardinality()

    def _new_rng(self):
        return self._rng if self._reshuffle else np.random.default_rng(self._seed)

    def _index_chunks(self):
        rng = self._new_rng()
        n = self._parent.cardinality()
        if 0 <= n <= self._buffer_size:
            # The whole pass fits in the buffer: a uniform permutation, in one call.
            idx = np.concatenate(
                [_as_index_array(c) for c in self._parent._index_chunks()]
                or [np.empty(0, np.int64)]
            )
            if len(idx):
                yield idx[rng.permutation(len(idx))]
            return
        yield from _buffer_shuffle_chunks(
            self._parent._index_chunks(), self._buffer_size, rng
        )

    def _generic_elements(self):
        rng = self._new_rng()
        yield from _buffer_shuffle(self._parent._elements(), self._buffer_size, rng)


def _buffer_shuffle(items, buffer_size, rng):
    """tf.data's shuffle: fill a buffer, then repeatedly emit a random slot and refill it."""
    buffer = []
    draws = iter(())
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        j = next(draws, None)
        if j is None:
            draws = iter(rng.integers(0, buffer_size, size=4096).tolist())
            j = next(draws)
        yield buffer[j]
        buffer[j] = item
    for j in rng.permutation(len(buffer)).tolist():
        yield buffer[j]


def _buffer_shuffle_chunks(chunks, buffer_size, rng, out_chunk=4096):
    """`_buffer_shuffle` over row indices, emitted as int64 array chunks.

    Vectorized, with the same random draws (blocks of 4096 slots) and the same output
    order as the element-by-element `_buffer_shuffle`: within a run of draws, the row
    emitted for slot `j` is the one the previous draw of `j` in the run put there, or
    the buffer's row for `j` before the run.
    """
    buffer = np.empty(buffer_size, np.int64)
    filled = 0
    draws, pos = np.empty(0, np.int64), 0
    out, nout = [], 0
    for chunk in chunks:
        items = _as_index_array(chunk)
        start = 0
        if filled < buffer_size:
            take = min(buffer_size - filled, len(items))
            buffer[filled:filled + take] = items[:take]
            filled += take
            start = take
        while start < len(items):
            if pos == len(draws):
                draws, pos = rng.integers(0, buffer_size, size=4096), 0
            n = min(len(draws) - pos, len(items) - start)
            slots = draws[pos:pos + n]
            new = items[start:start + n]
            pos += n
            start += n
            emitted = buffer[slots]
            # A stable sort groups the draws of each slot in draw order (radix sort for
            # 16-bit keys).
            order = np.argsort(slots.astype(np.uint16) if buffer_size <= 65536 else slots,
                               kind="stable")
            same = slots[order[1:]] == slots[order[:-1]]
            emitted[order[1:][same]] = new[order[:-1][same]]
            last = np.ones(n, bool)
            last[:-1] = ~same
            buffer[slots[order[last]]] = new[order[last]]
            out.append(emitted)
            nout += n
            if nout >= out_chunk:
                flat = np.concatenate(out) if len(out) > 1 else out[0]
                for s in range(0, nout - out_chunk + 1, out_chunk):
                    yield flat[s:s + out_chunk]
                rest = nout % out_chunk
                out, nout = ([flat[nout - rest:]] if rest else []), rest
    tail = buffer[:filled][rng.permutation(filled)] if filled else np.empty(0, np.int64)
    flat = np.concatenate(out + [tail])
    for s in range(0, len(flat), out_chunk):
        yield flat[s:s + out_chunk]


# -- batching ---------------------------------------------------------------------------


def _batch_index_chunks(chunks, batch_size, drop_remainder):
    """Regroups a stream of index chunks into chunks of exactly `batch_size` indices
    (a `range` when contiguous), the last one possibly shorter."""
    pending, npending = [], 0
    for chunk in chunks:
        start, n = 0, _chunk_len(chunk)
        if npending:
            need = batch_size - npending
            piece = chunk[:need]
            pending.append(piece)
            npending += _chunk_len(piece)
            start = _chunk_len(piece)
            if npending < batch_size:
                continue
            yield _join(pending)
            pending, npending = [], 0
        while n - start >= batch_size:
            yield chunk[start:start + batch_size]
            start += batch_size
        if start < n:
            pending, npending = [chunk[start:]], n - start
    if npending and not drop_remainder:
        yield _join(pending)


def _join(pieces):
    if len(pieces) == 1:
        return pieces[0]
    if all(isinstance(p, range) for p in pieces) and all(
        a.stop == b.start for a, b in zip(pieces, pieces[1:])
    ):
        return range(pieces[0].start, pieces[-1].stop)
    return np.concatenate([_as_index_array(p) for p in pieces])


def _as_index_array(chunk):
    if isinstance(chunk, range):
        return np.arange(chunk.start, chunk.stop, chunk.step, dtype=np.int64)
    return np.asarray(chunk, dtype=np.int64)


class _Batch(Dataset):
    def __init__(self, parent, batch_size, drop_remainder):
        self._parent = parent
        self._batch_size = batch_size
        self._drop_remainder = drop_remainder

    def cardinality(self):
        n = self._parent.cardinality()
        if n < 0:
            return n
        if self._drop_remainder:
            return n // self._batch_size
        return math.ceil(n / self._batch_size)

    def _elements(self):
        source = self._parent._index_source()
        if source is not None:
            for idx in _batch_index_chunks(
                self._parent._index_chunks(), self._batch_size, self._drop_remainder
            ):
                yield source._gather(idx)
            return
        batch = []
        for element in self._parent._elements():
            batch.append(element)
            if len(batch) == self._batch_size:
                yield _stack(batch)
                batch = []
        if batch and not self._drop_remainder:
            yield _stack(batch)


def _stack(elements):
    leaves0, treedef = _structure.flatten(elements[0])
    columns = [[] for _ in leaves0]
    for element in elements:
        leaves, td = _structure.flatten(element)
        if td != treedef:
            raise ValueError(
                "Cannot batch elements with different structures: "
                f"{elements[0]!r} and {element!r}"
            )
        for col, leaf in zip(columns, leaves):
            col.append(leaf)
    try:
        stacked = [np.stack(col) for col in columns]
    except ValueError as e:
        raise ValueError(
            f"Cannot batch elements whose arrays have different shapes: {e}"
        ) from None
    return _structure.unflatten(treedef, stacked)


class _Unbatch(Dataset):
    def __init__(self, parent):
        self._parent = parent

    def cardinality(self):
        n = self._parent.cardinality()
        return n if n in (0, INFINITE_CARDINALITY) else UNKNOWN_CARDINALITY

    def _elements(self):
        for element in self._parent._elements():
            leaves, treedef = _structure.flatten(element)
            if not leaves:
                continue
            for row in range(len(leaves[0])):
                yield _structure.unflatten(treedef, [leaf[row] for leaf in leaves])


# -- element-level transformations ------------------------------------------------------


def _call(fn, element):
    if isinstance(element, tuple) and not hasattr(element, "_fields"):
        return fn(*element)
    return fn(element)


class _Map(Dataset):
    def __init__(self, parent, fn):
        self._parent = parent
        self._fn = fn

    def cardinality(self):
        return self._parent.cardinality()

    def _elements(self):
        for element in self._parent._elements():
            yield _normalize(_call(self._fn, element))


class _Filter(Dataset):
    def __init__(self, parent, predicate):
        self._parent = parent
        self._predicate = predicate

    def cardinality(self):
        n = self._parent.cardinality()
        return n if n in (0, INFINITE_CARDINALITY) else UNKNOWN_CARDINALITY

    def _elements(self):
        for element in self._parent._elements():
            if bool(_structure.to_numpy(_call(self._predicate, element))):
                yield element


class _FromGenerator(Dataset):
    def __init__(self, generator, args):
        self._generator = generator
        self._args = args

    def cardinality(self):
        return UNKNOWN_CARDINALITY

    def _elements(self):
        for element in self._generator(*self._args):
            yield _normalize(element)


class _Zip(Dataset):
    def __init__(self, datasets, treedef):
        self._datasets = datasets
        self._treedef = treedef

    def cardinality(self):
        ns = [d.cardinality() for d in self._datasets]
        finite = [n for n in ns if n >= 0]
        if finite:
            return min(finite)
        return UNKNOWN_CARDINALITY if UNKNOWN_CARDINALITY in ns else INFINITE_CARDINALITY

    def _elements(self):
        for elements in zip(*(d._elements() for d in self._datasets)):
            yield _structure.unflatten(self._treedef, elements)


class _Count(Dataset):
    def __init__(self, start):
        self._start = start

    def cardinality(self):
        return INFINITE_CARDINALITY

    def _elements(self):
        return (np.int64(i) for i in itertools.count(self._start))
