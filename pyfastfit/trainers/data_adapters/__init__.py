"""Data adapters: turn user data into batches.

`make_adapter` picks `ArrayDataAdapter` for NumPy arrays (and lists/tuples/dicts of
them) and `IterableDataAdapter` for datasets, PyDatasets and generators.
"""

from pyfastfit.trainers.data_adapters.array_data_adapter import (
    ArrayDataAdapter,
    class_weight_to_sample_weights,
    pack_x_y_sample_weight,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from pyfastfit.trainers.data_adapters.iterable_data_adapter import (
    IterableDataAdapter,
    is_iterable_data,
)


def make_adapter(x, y=None, sample_weight=None, batch_size=None, steps=None,
                 shuffle=False, class_weight=None, persist=True):
    """Returns the adapter for `x` (see the module docstring)."""
    if is_iterable_data(x):
        if y is not None:
            raise ValueError("When `x` is a dataset, generator or PyDataset, `y` must not "
                             "be given (targets come from `x`). Received: y of type "
                             f"{type(y).__name__}")
        if sample_weight is not None:
            raise ValueError("When `x` is a dataset, generator or PyDataset, "
                             "`sample_weight` must not be given (yield "
                             "`(x, y, sample_weight)` instead).")
        if batch_size is not None and not isinstance(batch_size, int):
            raise ValueError(f"Invalid batch_size={batch_size!r}")
        return IterableDataAdapter(x, steps=steps, class_weight=class_weight,
                                   persist=persist, shuffle=shuffle)
    adapter = ArrayDataAdapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                               steps=steps, shuffle=shuffle, class_weight=class_weight)
    if steps is not None and not persist and steps > adapter.batches_per_pass:
        # evaluate / predict stop at the end of the data.
        adapter._steps = adapter.num_batches = adapter.batches_per_pass
    return adapter


__all__ = [
    "ArrayDataAdapter",
    "IterableDataAdapter",
    "class_weight_to_sample_weights",
    "is_iterable_data",
    "make_adapter",
    "train_validation_split",
    "pack_x_y_sample_weight",
    "unpack_x_y_sample_weight",
]
