"""OrderedEnqueuer / IndexStream: ordered parallel loading of PyDataset batches."""

import multiprocessing
import os
import threading
import time

import pytest

from pyfastfit.trainers.data_adapters import py_dataset_enqueuer as pe
from pyfastfit.trainers.data_adapters.py_dataset_enqueuer import (
    IndexStream,
    OrderedEnqueuer,
    index_stream,
    serial_batches,
)

FORK = pe._process_context().get_start_method() == "fork"


def _loader_threads():
    return [t for t in threading.enumerate() if t.name.startswith("pyfastfit_py_dataset")]


def _drain(stream):
    out = []
    while (i := stream.next()) is not None:
        out.append(i)
    return out


class Items:
    """`self[i]` is `(i, pid)`; later indices finish first when `sleep` is set."""

    def __init__(self, n, sleep=0.0, fail_at=None, barrier=None):
        self.n, self.sleep, self.fail_at, self.barrier = n, sleep, fail_at, barrier
        self.started = []
        self.lock = threading.Lock()

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        with self.lock:
            self.started.append(i)
        if self.barrier is not None and i < 2:
            self.barrier.wait()  # indices 0 and 1 must be loading at the same time
        if self.sleep:
            time.sleep(self.sleep * (self.n - i))
        if i == self.fail_at:
            raise ValueError(f"bad batch {i}")
        return i, os.getpid()


def test_index_stream_pass_shuffle_and_push_back():
    assert _drain(index_stream(5, shuffle=False)) == [0, 1, 2, 3, 4]
    shuffled = _drain(index_stream(50, shuffle=True))
    assert sorted(shuffled) == list(range(50)) and shuffled != list(range(50))
    assert _drain(index_stream(0, shuffle=True)) == []
    endless = index_stream(None, shuffle=True)
    assert [endless.next() for _ in range(3)] == [0, 1, 2]
    s = IndexStream([5, 6, 7])
    assert s.next() == 5
    s.push_back([3, 4])
    assert _drain(s) == [3, 4, 6, 7]


def test_serial_batches_keep_a_failed_index():
    items = Items(4, fail_at=2)
    stream = index_stream(4, False)
    gen = serial_batches(items, stream)
    assert [next(gen)[0] for _ in range(2)] == [0, 1]
    with pytest.raises(ValueError, match="bad batch 2"):
        next(gen)
    assert _drain(stream) == [2, 3]


def test_threads_load_in_parallel_and_deliver_in_order():
    items = Items(8, sleep=0.002, barrier=threading.Barrier(2, timeout=30))
    got = list(OrderedEnqueuer(items, workers=3, max_queue_size=4).batches(
        index_stream(8, False)))
    assert [i for i, _ in got] == list(range(8))
    assert {pid for _, pid in got} == {os.getpid()}
    assert not _loader_threads()


@pytest.mark.parametrize("max_queue_size", [1, 3])
def test_max_queue_size_bounds_the_batches_loaded_ahead(max_queue_size):
    items = Items(10)
    gen = OrderedEnqueuer(items, workers=2, max_queue_size=max_queue_size).batches(
        index_stream(10, False))
    for delivered in range(1, 11):
        assert next(gen)[0] == delivered - 1
        # requested: the delivered ones plus at most `max_queue_size` ahead
        assert len(items.started) <= delivered - 1 + max_queue_size
    with pytest.raises(StopIteration):
        next(gen)


def test_closing_early_returns_undelivered_indices_in_order():
    stream = index_stream(10, shuffle=False)
    gen = OrderedEnqueuer(Items(10), workers=2, max_queue_size=4).batches(stream)
    assert [next(gen)[0] for _ in range(3)] == [0, 1, 2]
    gen.close()
    assert not _loader_threads()
    assert _drain(stream) == list(range(3, 10))


def test_worker_thread_error_reaches_the_caller():
    stream = index_stream(6, False)
    gen = OrderedEnqueuer(Items(6, fail_at=3), workers=2, max_queue_size=2).batches(stream)
    with pytest.raises(ValueError, match="bad batch 3") as info:
        list(gen)
    assert any(frame.name == "__getitem__" for frame in
               __import__("traceback").extract_tb(info.value.__traceback__))
    assert not _loader_threads()
    assert stream.next() == 3  # not delivered: loaded again by the next epoch


@pytest.mark.skipif(not FORK, reason="the barrier is shared by forking")
def test_processes_load_in_parallel_and_deliver_in_order():
    items = Items(6, sleep=0.002, barrier=multiprocessing.Barrier(2, timeout=30))
    items.lock = multiprocessing.Lock()
    got = list(OrderedEnqueuer(items, workers=2, use_multiprocessing=True,
                               max_queue_size=3).batches(index_stream(6, False)))
    assert [i for i, _ in got] == list(range(6))
    pids = {pid for _, pid in got}
    assert os.getpid() not in pids and len(pids) == 2
    assert not multiprocessing.active_children()


def test_worker_process_error_reaches_the_caller_with_its_traceback():
    gen = OrderedEnqueuer(Items(5, fail_at=1), workers=2, use_multiprocessing=True,
                          max_queue_size=2).batches(index_stream(5, False))
    with pytest.raises(ValueError, match="bad batch 1") as info:
        list(gen)
    assert "__getitem__" in str(info.value.__cause__)  # the worker's traceback text
    assert not multiprocessing.active_children()


class _Dies:
    def __len__(self):
        return 3

    def __getitem__(self, i):
        if i == 1:
            os._exit(3)
        return i


def test_a_dead_worker_process_is_a_clear_error_not_a_hang():
    gen = OrderedEnqueuer(_Dies(), workers=1, use_multiprocessing=True).batches(
        index_stream(3, False))
    with pytest.raises(RuntimeError, match="worker process exited abruptly while "
                                           "loading batch 1"):
        list(gen)
    assert not multiprocessing.active_children()


class Plain:
    """A picklable dataset: `self[i]` is `(i, pid)`."""

    def __len__(self):
        return 4

    def __getitem__(self, i):
        return i, os.getpid()


@pytest.mark.slow
def test_processes_without_fork_receive_a_pickled_dataset(monkeypatch):
    method = "forkserver"  # what Python >= 3.12 uses here (spawn pickles the same way)
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    monkeypatch.setattr(pe, "_process_context",
                        lambda: multiprocessing.get_context(method))
    got = list(OrderedEnqueuer(Plain(), workers=2, use_multiprocessing=True).batches(
        index_stream(4, False)))
    assert [i for i, _ in got] == [0, 1, 2, 3] and os.getpid() not in {p for _, p in got}
    assert not multiprocessing.active_children()
    with pytest.raises(TypeError, match="needs a picklable PyDataset here .*'"
                                        f"{method}'.*Received: Items"):
        list(OrderedEnqueuer(Items(4), use_multiprocessing=True).batches(
            index_stream(4, False)))
    assert not multiprocessing.active_children()
