"""`PyDataset` (alias `Sequence`): a Python object that returns batches by index."""

import itertools
import warnings

_LOADER_DEFAULTS = {"_workers": 1, "_use_multiprocessing": False, "_max_queue_size": 10}


class PyDataset:
    """Base class for datasets that build each batch in Python, as `keras.utils.PyDataset`.

    Subclasses implement `__getitem__(index)` (returning one batch: `x`, `(x, y)` or
    `(x, y, sample_weight)`) and `__len__()` (the number of batches per epoch; or a
    `num_batches` property, `None` for an endless dataset), and may override
    `on_epoch_begin()` / `on_epoch_end()`, which `fit` / `evaluate` / `predict` call
    around every epoch. Always call `super().__init__(**kwargs)` so the loading
    options below are stored. `fit(dataset, shuffle=True)` reads the batches in a new
    random order each epoch.

    Args:
        workers: number of threads (or processes) loading batches ahead of the
            training loop, which still receives them in order. Defaults to `1`
            (batches are loaded when needed, in the calling thread).
        use_multiprocessing: load with processes instead of threads (forked on
            Linux; elsewhere the dataset must be picklable). Defaults to `False`.
        max_queue_size: maximum number of batches requested ahead of the one the
            loop waits for. Defaults to `10`.

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

    def _warn_if_super_not_called(self):
        missing = [name for name in _LOADER_DEFAULTS if name not in self.__dict__]
        if not missing:
            return
        for name in missing:
            self.__dict__[name] = _LOADER_DEFAULTS[name]
        warnings.warn(
            "Your `PyDataset` class should call `super().__init__(**kwargs)` in its "
            "constructor. `**kwargs` can include `workers`, `use_multiprocessing`, "
            "`max_queue_size`. Do not pass these arguments to `fit()`, as they will "
            "be ignored.", UserWarning, stacklevel=3)

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = value

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = value

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

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
        """Yields the batches of one epoch in order (endlessly when `num_batches` is
        None)."""
        n = self.num_batches
        for i in (itertools.count() if n is None else range(n)):
            yield self[i]


Sequence = PyDataset
