"""IterableDataAdapter: batches from `data.Dataset`, `utils.PyDataset`, generators and
other iterables of batches (tf.data, torch DataLoader)."""

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.trainers import _tree
from pyfastfit.trainers.data_adapters.array_data_adapter import (
    _to_numpy,
    class_weight_to_sample_weights,
)


def _to_tensor(leaf):
    if leaf is None or isinstance(leaf, Tensor):
        return leaf
    if hasattr(leaf, "numpy") and not isinstance(leaf, np.ndarray):  # tf / torch
        leaf = leaf.detach().cpu().numpy() if hasattr(leaf, "detach") else leaf.numpy()
    return Tensor(_to_numpy(leaf, "x"))


def is_iterable_data(x):
    """True for datasets/generators (anything that yields batches), False for arrays
    and their lists/tuples/dicts."""
    if x is None or isinstance(x, (np.ndarray, Tensor, list, tuple, dict, str, bytes)):
        return False
    if hasattr(x, "to_numpy") or hasattr(x, "__array__"):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__") or (
        hasattr(x, "__getitem__") and hasattr(x, "__len__"))


class IterableDataAdapter:
    """Iterates a dataset of batches, converting leaves to Tensors.

    Args:
        data: the dataset / generator / PyDataset.
        steps: batches per epoch. When set and `persist` is True, consecutive epochs
            continue from where the last one stopped (restarting re-iterable datasets
            when they run out).
        class_weight: folded into per-batch sample weights.
        persist: keep one iterator across epochs when `steps` is set.
    """

    def __init__(self, data, steps=None, class_weight=None, persist=True):
        self.data = data
        self._steps = None if steps is None else int(steps)
        self.class_weight = class_weight
        self.persist = persist
        self._iter = None
        self._one_shot = hasattr(data, "__next__") or (
            not hasattr(data, "__len__") and iter(data) is data)
        self.exhausted = False
        n = None
        if self._steps is not None:
            n = self._steps
        elif hasattr(data, "cardinality"):
            c = int(data.cardinality())
            n = c if c >= 0 else None
        elif hasattr(data, "__len__"):
            try:
                n = len(data)
            except TypeError:
                n = None
        self.num_batches = n

    def _fresh_iter(self):
        if hasattr(self.data, "on_epoch_begin"):
            self.data.on_epoch_begin()
        if hasattr(self.data, "__getitem__") and hasattr(self.data, "__len__") and \
                not hasattr(self.data, "__iter__"):
            return (self.data[i] for i in range(len(self.data)))
        return iter(self.data)

    def _convert(self, element):
        if isinstance(element, list) and len(element) in (2, 3):
            element = tuple(element)
        if not isinstance(element, tuple):
            element = (element,)
        element = tuple(_tree.map_structure(_to_tensor, e) for e in element)
        if self.class_weight is not None:
            if len(element) != 2 or _tree.is_nested(element[1]):
                raise ValueError("`class_weight` needs batches `(x, y)` with a single "
                                 "target array.")
            sw = class_weight_to_sample_weights(np.asarray(element[1]), self.class_weight)
            element = (element[0], element[1], Tensor(sw))
        return element

    def _epoch_end(self):
        if hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()

    def epoch(self):
        """Yields `(step, data)` for one epoch."""
        if self._steps is None:
            if self._one_shot and self._iter is not None:
                self.exhausted = True
                return
            self._iter = it = self._fresh_iter()
            for step, element in enumerate(it):
                yield step, self._convert(element)
            self._epoch_end()
            return
        if self._iter is None or not self.persist:
            self._iter = self._fresh_iter()
        step = 0
        while step < self._steps:
            try:
                element = next(self._iter)
            except StopIteration:
                self._epoch_end()
                if self._one_shot:
                    self.exhausted = True
                    return
                self._iter = self._fresh_iter()
                try:
                    element = next(self._iter)
                except StopIteration:
                    self.exhausted = True
                    return
            yield step, self._convert(element)
            step += 1
        if not self.persist:
            self._epoch_end()
