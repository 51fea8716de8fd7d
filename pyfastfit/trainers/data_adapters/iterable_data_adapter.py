"""IterableDataAdapter: batches from `data.Dataset`, `utils.PyDataset`, generators and
other iterables of batches (tf.data, torch DataLoader)."""

import warnings

import numpy as np

from pyfastfit.core import Tensor
from pyfastfit.trainers import _tree
from pyfastfit.trainers.data_adapters.array_data_adapter import (
    _to_numpy,
    class_weight_to_sample_weights,
)
from pyfastfit.trainers.data_adapters.py_dataset_enqueuer import (
    OrderedEnqueuer,
    index_stream,
    serial_batches,
)

RAN_OUT_MESSAGE = (
    "Your input ran out of data; interrupting training. Make sure that your dataset "
    "or generator can generate at least `steps_per_epoch * epochs` batches. You may "
    "need to use the `.repeat()` function when building your dataset."
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


def _is_indexed(data):
    """A PyDataset, or an object read by index (`__getitem__` + `__len__`, no
    `__iter__`, as a Keras 2 `Sequence`)."""
    from pyfastfit.utils.py_dataset import PyDataset

    return isinstance(data, PyDataset) or (
        hasattr(data, "__getitem__") and hasattr(data, "__len__")
        and not hasattr(data, "__iter__"))


def _call_hook(data, name):
    hook = getattr(data, name, None)
    if callable(hook):
        hook()


class IterableDataAdapter:
    """Iterates a dataset of batches, converting leaves to Tensors.

    A PyDataset is read by index: `shuffle` permutes the batch indices at each pass,
    its `workers` / `use_multiprocessing` / `max_queue_size` load batches ahead in
    worker threads or processes (`OrderedEnqueuer`), and `on_epoch_begin` /
    `on_epoch_end` run around every epoch.

    When `steps` is set, consecutive epochs continue where the last one stopped (no
    reset, when `persist`); when the data runs out first, the epoch ends early with
    Keras's "Your input ran out of data" `UserWarning` and `exhausted` becomes True
    (`fit` then stops). A used-up one-shot generator sets `exhausted` silently.

    Args:
        data: the dataset / generator / PyDataset.
        steps: batches per epoch.
        class_weight: folded into per-batch sample weights.
        persist: keep one iterator across epochs when `steps` is set (fit); False
            restarts the data at every pass (evaluate, predict, validation).
        shuffle: shuffle a PyDataset's batch order at every pass.
    """

    def __init__(self, data, steps=None, class_weight=None, persist=True,
                 shuffle=False):
        self.data = data
        self._steps = None if steps is None else int(steps)
        self.class_weight = class_weight
        self.persist = persist
        self.shuffle = bool(shuffle)
        self.exhausted = False
        self.epoch_steps = 0  # batches the last (or current) epoch yielded
        self.on_first_x = None  # called once with the first batch's `x`
        self._iter = None
        self._stream = None
        self._epoch_gen = None
        self._indexed = _is_indexed(data)
        n = None
        if self._steps is not None:
            n = self._steps
        elif self._indexed:
            n = self._pass_length()
        elif hasattr(data, "cardinality"):
            c = int(data.cardinality())
            n = c if c >= 0 else None
        elif hasattr(data, "__len__"):
            try:
                n = len(data)
            except TypeError:
                n = None
        self.num_batches = n

    def _pass_length(self):
        n = getattr(self.data, "num_batches", None)
        if n is None and not hasattr(type(self.data), "num_batches"):
            n = len(self.data)
        return None if n is None else int(n)

    def _convert(self, element):
        # A one-element list is `(x,)` (a torch DataLoader batches `[x]` that way).
        if isinstance(element, list) and len(element) in (1, 2, 3):
            element = tuple(element)
        if not isinstance(element, tuple):
            element = (element,)
        element = tuple(_tree.map_structure(_to_tensor, e) for e in element)
        if self.on_first_x is not None:
            hook, self.on_first_x = self.on_first_x, None
            hook(element[0])
        if self.class_weight is not None:
            if len(element) != 2 or _tree.is_nested(element[1]):
                raise ValueError("`class_weight` needs batches `(x, y)` with a single "
                                 "target array.")
            sw = class_weight_to_sample_weights(np.asarray(element[1]), self.class_weight)
            element = (element[0], element[1], Tensor(sw))
        return element

    def _continues(self):
        return self._steps is not None and self.persist

    def _indexed_batches(self):
        data = self.data
        if self._stream is None or not self._continues():
            self._stream = index_stream(self._pass_length(), self.shuffle)
        workers = getattr(data, "workers", 1)
        multiprocess = getattr(data, "use_multiprocessing", False)
        if workers > 1 or multiprocess:
            enqueuer = OrderedEnqueuer(data, workers, multiprocess,
                                       getattr(data, "max_queue_size", 10))
            return enqueuer.batches(self._stream)
        return serial_batches(data, self._stream)

    def _iterated_batches(self):
        if self._iter is None or not self._continues():
            self._iter = iter(self.data)  # a used-up generator stays used up
        return self._iter

    def _run_out(self):
        warnings.warn(RAN_OUT_MESSAGE, UserWarning, stacklevel=4)
        self.exhausted = True

    def _epoch(self):
        _call_hook(self.data, "on_epoch_begin")
        source = None
        self.epoch_steps = step = 0
        try:
            source = self._indexed_batches() if self._indexed else self._iterated_batches()
            while self._steps is None or step < self._steps:
                try:
                    element = next(source)
                except StopIteration:
                    if self._steps is not None:
                        self._run_out()
                    elif step == 0 and hasattr(self.data, "__next__"):
                        self.exhausted = True  # a used-up generator
                    break
                self.epoch_steps = step + 1
                yield step, self._convert(element)
                step += 1
        finally:
            if self._indexed and source is not None:
                source.close()  # stops the workers; undelivered indices are kept
            _call_hook(self.data, "on_epoch_end")

    def epoch(self):
        """Yields `(step, data)` for one epoch (see the class docstring)."""
        self.close()
        self._epoch_gen = self._epoch()
        return self._epoch_gen

    def close(self):
        """Ends the current epoch now: stops its loader workers and runs the data's
        `on_epoch_end` if the epoch was still open. Safe to call repeatedly."""
        gen, self._epoch_gen = self._epoch_gen, None
        if gen is not None:
            gen.close()
