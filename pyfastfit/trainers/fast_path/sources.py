"""What one fast-path pass reads: the arrays, the row order and the batch size.

Two kinds of data qualify: NumPy data (an `ArrayDataAdapter`), and a `data.Dataset`
that only batches rows of in-memory arrays (`from_tensor_slices`, then any of shuffle /
repeat / take / skip / prefetch, then `batch`). For the latter the Program gathers the
batches itself from the source arrays, in the order the pipeline would have produced
them (drawn from the pipeline, so its shuffle RNG advances as in an eager pass).
"""

import math

import numpy as np

from pyfastfit.trainers.fast_path.graph import Unsupported


class ArraySource:
    """An `ArrayDataAdapter`'s rows, in its (possibly shuffled) order."""

    def __init__(self, adapter):
        if adapter._steps is not None:
            raise Unsupported("steps/steps_per_epoch is set")
        self.arrays = adapter
        self.batch_size = adapter.batch_size
        self.num_batches = adapter.num_batches
        self.rows = (0, adapter.num_samples)

    def pass_order(self):
        """The row order of the next training pass (int64)."""
        order = self.arrays.pass_order()
        return np.arange(self.arrays.num_samples, dtype=np.int64) if order is None else order


class DatasetSource:
    """The source arrays of a `data.Dataset` of row batches (see the module docstring).

    Args:
        adapter: the `IterableDataAdapter` over the dataset.
        purpose: "train", "test" or "predict". Evaluation and prediction read a
            contiguous block of rows, so their pipelines must not shuffle or repeat.
    """

    def __init__(self, adapter, purpose):
        from pyfastfit.data import Dataset
        from pyfastfit.trainers.data_adapters import ArrayDataAdapter

        data = adapter.data
        if not isinstance(data, Dataset):
            raise Unsupported("the data is a generator or iterable (the fast path reads "
                              "NumPy arrays or a batched pyfastfit Dataset of them)")
        if adapter._steps is not None:
            raise Unsupported("steps/steps_per_epoch is set")
        plan = data._row_batches()
        if plan is None:
            raise Unsupported("the dataset is not from_tensor_slices(...) batched by "
                              "batch() with only shuffle/repeat/take/skip/prefetch between")
        element, self.batch_size, drop_remainder, shuffled, self._next_order = plan
        if isinstance(element, list) and len(element) in (2, 3):
            element = tuple(element)
        if not isinstance(element, tuple):
            element = (element,)
        if purpose != "predict" and len(element) < 2:
            raise Unsupported("the dataset yields no targets")
        if adapter.class_weight is not None and len(element) != 2:
            raise Unsupported("class_weight with a dataset that yields sample weights")
        try:  # what the arrays cannot be (e.g. class_weight for several outputs) is left
            # to the eager loop, which raises its own error
            self.arrays = ArrayDataAdapter(
                element[0], element[1] if len(element) > 1 and purpose != "predict" else None,
                sample_weight=element[2] if len(element) > 2 and purpose != "predict" else None,
                batch_size=self.batch_size, class_weight=adapter.class_weight)
        except ValueError as e:
            raise Unsupported(f"the dataset's arrays: {e}") from None
        self.num_batches = int(data.cardinality())
        self._drop = drop_remainder
        self.rows = None
        if purpose != "train":
            order = self.pass_order() if not shuffled else None
            if order is not None and not len(order):
                raise Unsupported("the data has no samples")
            if order is None or \
                    not np.array_equal(order, np.arange(order[0], order[0] + len(order))):
                raise Unsupported("the evaluation dataset shuffles or repeats its rows")
            self.rows = (int(order[0]), int(order[0]) + len(order))

    def pass_order(self):
        """The row order of the next pass (int64), the batches cut from it in turn."""
        order = self._next_order()
        if self._drop:
            order = order[:len(order) // self.batch_size * self.batch_size]
        if len(order) != self.num_batches * self.batch_size and \
                math.ceil(len(order) / self.batch_size) != self.num_batches:
            raise RuntimeError(f"internal error: a pass of {len(order)} rows for "
                               f"{self.num_batches} batches of {self.batch_size}")
        return order


def source_of(adapter, purpose):
    """The ArraySource / DatasetSource of `adapter` (cached on it), or raises
    Unsupported with the reason."""
    from pyfastfit.trainers.data_adapters import ArrayDataAdapter

    cache = adapter.__dict__.setdefault("_fast_sources", {})
    if purpose not in cache:
        try:
            if type(adapter) is ArrayDataAdapter:
                cache[purpose] = ArraySource(adapter)
            else:
                cache[purpose] = DatasetSource(adapter, purpose)
        except Unsupported as e:
            cache[purpose] = e
    src = cache[purpose]
    if isinstance(src, Unsupported):
        raise src
    return src
