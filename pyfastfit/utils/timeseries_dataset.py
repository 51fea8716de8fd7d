"""`timeseries_dataset_from_array`: sliding windows over an array, as a `Dataset`."""

import numpy as np


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False,
                                  seed=None, start_index=None, end_index=None):
    """Creates a dataset of sliding windows over a time series, as
    `keras.utils.timeseries_dataset_from_array`.

    Window `i` holds `data[s + i * sequence_stride + k * sampling_rate]` for
    `k < sequence_length` (with `s = start_index`), and its target is
    `targets[s + i * sequence_stride]`. Each batch is gathered with one NumPy indexing
    call.

    Args:
        data: array whose axis 0 is time.
        targets: array of targets aligned with `data` (`targets[i]` belongs to the window
            starting at `i`), or `None` for windows only.
        sequence_length: number of time steps per window.
        sequence_stride: shift between consecutive windows. Defaults to `1`.
        sampling_rate: step between time steps inside a window. Defaults to `1`.
        batch_size: windows per batch; `None` yields single windows. Defaults to `128`.
        shuffle: shuffle the windows (a new order at each pass). Defaults to `False`.
        seed: seed of the shuffle.
        start_index, end_index: only use `data[start_index:end_index]`.

    Returns:
        A `pyfastfit.data.Dataset` yielding `(windows, targets)` batches (or windows
        only), `windows` of shape `(batch, sequence_length) + data.shape[1:]`.

    Example:

    ```python
    ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
                                       batch_size=4)
    next(iter(ds))  # [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5]]
    ```
    """
    from pyfastfit.data import Dataset

    data = np.asarray(data)
    for name, value in (("sequence_length", sequence_length),
                        ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")
    start_index = 0 if start_index is None else int(start_index)
    end_index = len(data) if end_index is None else int(end_index)
    if not 0 <= start_index < max(len(data), 1):
        raise ValueError(
            f"`start_index` must be in [0, {len(data)}). Received: start_index={start_index}"
        )
    if not start_index < end_index <= len(data):
        raise ValueError(
            f"`end_index` must be in ({start_index}, {len(data)}]. "
            f"Received: end_index={end_index}"
        )
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        if len(targets) != len(data):
            raise ValueError(
                "Expected data and targets to have the same number of time steps. "
                f"Received: data.shape={data.shape}, targets.shape={targets.shape}"
            )
        num_seqs = min(num_seqs, len(targets) - start_index)
    starts = start_index + np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate

    def gather(pos):
        windows = data[pos[..., None] + offsets]
        return windows if targets is None else (windows, targets[pos])

    ds = Dataset.from_tensor_slices(starts)
    if shuffle:
        ds = ds.shuffle(max(len(starts), 1), seed=seed)
    if batch_size is not None:
        ds = ds.batch(batch_size)
    return ds.map(gather)
