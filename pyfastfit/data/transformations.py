"""Index-level transformations of a `Dataset`: `take`, `skip`, `repeat`, `prefetch`,
`shuffle`, and `batch` / `unbatch`.

On a pipeline rooted at `from_tensor_slices` the first five work on row-index chunks
(see index_chunks.py), and `batch` gathers each batch from the whole arrays at once;
on any other pipeline they work element by element.
"""

import itertools
import math

import numpy as np

from pyfastfit.data import structure as _structure
from pyfastfit.data.dataset import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    _check_count,
)
from pyfastfit.data.index_chunks import (
    _as_index_array,
    _batch_index_chunks,
    _buffer_shuffle,
    _buffer_shuffle_chunks,
    _cut_chunks,
)


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


# -- batching ---------------------------------------------------------------------------


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
