"""Element-level datasets: `map`, `filter`, `from_generator`, `zip` and the counter of
`enumerate`. They run element by element, as in `tf.data`, and return elements as
NumPy structures.
"""

import itertools

import numpy as np

from pyfastfit.data import structure as _structure
from pyfastfit.data.dataset import (
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    _normalize,
)


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
