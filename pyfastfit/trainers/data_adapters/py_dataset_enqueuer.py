"""Loads a PyDataset's batches ahead of the training loop, in order, with worker
threads or processes (`PyDataset(workers=, use_multiprocessing=, max_queue_size=)`).

Batch indices come from an `IndexStream`; a batch counts as taken only when the loop
receives it, so indices loaded ahead but never delivered (the epoch stopped early,
an error) go back to the stream and the next epoch loads them again, from workers
started after `on_epoch_end` / `on_epoch_begin` ran (process workers see the dataset
as it is when they start).
"""

import collections
import concurrent.futures
from concurrent.futures.process import BrokenProcessPool
import itertools
import multiprocessing
import pickle
import random
import signal
import sys

_WORKER_DATASET = None  # the PyDataset, in each worker process


def _init_worker(dataset):
    global _WORKER_DATASET
    # Ctrl-C goes to the whole process group; only the parent decides what to do, and
    # it stops the workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER_DATASET = dataset


def _get_item(index):
    return _WORKER_DATASET[index]


def _process_context():
    methods = multiprocessing.get_all_start_methods()
    # fork shares the dataset without pickling it (as Keras's pool does); from Python
    # 3.12 forking a process that runs threads warns, so later versions use forkserver.
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver")
    return multiprocessing.get_context("spawn")


class IndexStream:
    """The batch indices still to load in the current pass over a PyDataset.

    Args:
        indices: an iterable of ints (`itertools.count()` for an endless dataset).
    """

    def __init__(self, indices):
        self._rest = iter(indices)
        self._returned = collections.deque()

    def next(self):
        """The next index, or None when the pass is over."""
        if self._returned:
            return self._returned.popleft()
        return next(self._rest, None)

    def push_back(self, indices):
        """Puts `indices` (loaded, never delivered) back at the front, in order."""
        self._returned.extendleft(reversed(list(indices)))


def serial_batches(dataset, stream):
    """Yields `dataset[i]` for the stream's indices, in the calling thread."""
    while True:
        i = stream.next()
        if i is None:
            return
        try:
            batch = dataset[i]
        except BaseException:
            stream.push_back([i])
            raise
        yield batch


class OrderedEnqueuer:
    """Loads batches with `workers` threads (or processes) and yields them in order.

    At most `max_queue_size` batches are requested ahead of the one the loop waits for.
    An exception raised by `__getitem__` reaches the caller (for processes, with the
    worker's traceback as its `__cause__`). Workers are started by `batches()` and
    stopped and joined when its generator ends or is closed, so none outlives an epoch.

    Args:
        dataset: the `PyDataset`.
        workers: number of threads or processes.
        use_multiprocessing: processes instead of threads.
        max_queue_size: batches requested ahead.
    """

    def __init__(self, dataset, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.dataset = dataset
        self.workers = max(1, int(workers))
        self.use_multiprocessing = bool(use_multiprocessing)
        self.max_queue_size = max(1, int(max_queue_size))

    def _executor(self):
        if self.use_multiprocessing:
            context = _process_context()
            if context.get_start_method() != "fork":
                try:  # what each worker would do, with a clearer error
                    pickle.dumps(self.dataset)
                except Exception as e:
                    raise TypeError(
                        "`use_multiprocessing=True` needs a picklable PyDataset here "
                        f"(worker processes start with '{context.get_start_method()}'"
                        f"). Received: {type(self.dataset).__name__}, which cannot be "
                        f"pickled ({e}). Use threads (`use_multiprocessing=False`) or "
                        "make the dataset picklable.") from e
            return concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context,
                initializer=_init_worker, initargs=(self.dataset,))
        return concurrent.futures.ThreadPoolExecutor(
            max_workers=self.workers, thread_name_prefix="pyfastfit_py_dataset")

    def _submit(self, executor, index):
        if self.use_multiprocessing:
            return executor.submit(_get_item, index)
        return executor.submit(self.dataset.__getitem__, index)

    def batches(self, stream):
        """Yields the batches of `stream`'s indices, in order (see the class doc)."""
        executor = self._executor()
        pending = collections.deque()  # (index, future), in stream order
        try:
            while True:
                while len(pending) < self.max_queue_size:
                    i = stream.next()
                    if i is None:
                        break
                    pending.append((i, self._submit(executor, i)))
                if not pending:
                    return
                i, future = pending[0]
                try:
                    batch = future.result()
                except BrokenProcessPool as e:
                    raise RuntimeError(
                        "A PyDataset worker process exited abruptly while loading batch "
                        f"{i} (killed, or out of memory). Use `use_multiprocessing="
                        "False` (threads) to see the error in this process.") from e
                pending.popleft()
                yield batch
        finally:
            for _, future in pending:
                future.cancel()
            stream.push_back(i for i, _ in pending)
            executor.shutdown(wait=True, cancel_futures=True)


def index_stream(num_batches, shuffle):
    """A fresh pass: `range(num_batches)` (shuffled with Python's `random`, as Keras
    does, so `utils.set_random_seed` fixes the order), or an endless count when
    `num_batches` is None."""
    if num_batches is None:
        return IndexStream(itertools.count())
    indices = list(range(num_batches))
    if shuffle:
        random.shuffle(indices)
    return IndexStream(indices)
