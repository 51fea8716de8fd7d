"""`PyDataset` (alias `Sequence`): a Python object that returns batches by index."""


class PyDataset:
    """Base class for datasets that build each batch in Python, as `keras.utils.PyDataset`.

    Subclasses implement `__getitem__(index)` (returning one batch: `x`, `(x, y)` or
    `(x, y, sample_weight)`) and `__len__()` (the number of batches per epoch), and may
    override `on_epoch_begin()` / `on_epoch_end()`. Always call `super().__init__(**kwargs)`
    so the loading options below are stored. `model.fit(dataset)` accepts instances.

    Args:
        workers: number of workers to load batches with. Defaults to `1`.
        use_multiprocessing: use processes instead of threads for the workers.
            Defaults to `False`.
        max_queue_size: maximum number of batches loaded ahead. Defaults to `10`.

    Example:

    ```python
    class Batches(pyfastfit.utils.PyDataset):
        def __init__(self, x, y, batch_size, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y, self.batch_size = x, y, batch_size

        def __len__(self):
            return math.ceil(len(self.x) / self.batch_size)

        def __getitem__(self, idx):
            sl = slice(idx * self.batch_size, (idx + 1) * self.batch_size)
            return self.x[sl], self.y[sl]
    ```
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"`workers` must be an integer >= 1. Received: workers={workers!r}")
        if (isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int)
                or max_queue_size < 1):
            raise ValueError(
                "`max_queue_size` must be an integer >= 1. "
                f"Received: max_queue_size={max_queue_size!r}"
            )
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    @property
    def workers(self):
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = value

    def __getitem__(self, index):
        """Returns batch number `index` (0 <= index < len(self))."""
        raise NotImplementedError(
            f"{type(self).__name__} must implement `__getitem__(index)`."
        )

    def __len__(self):
        """Number of batches in one epoch."""
        raise NotImplementedError(f"{type(self).__name__} must implement `__len__()`.")

    @property
    def num_batches(self):
        """Number of batches per epoch (`len(self)`), or `None` if `__len__` is not defined."""
        try:
            return len(self)
        except NotImplementedError:
            return None

    def on_epoch_begin(self):
        """Called at the start of every epoch."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        """Yields the batches of one epoch in order."""
        for i in range(len(self)):
            yield self[i]


Sequence = PyDataset
