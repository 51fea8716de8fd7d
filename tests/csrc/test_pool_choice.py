"""PoolChoice (core/threads.h): a Program's training steps run with the pool or on one
thread, whichever its timings say is faster: leaving the pool after two probes in a row
find one thread 20% faster, coming back after one probe finds the pool 5% faster.
Driven here with synthetic step times through a test hook."""

import pytest

import pyfastfit as ff
from pyfastfit.core._c import _C

WINDOW = 16  # kWindow in threads.h


@pytest.fixture
def two_threads():
    old = ff.config.get_num_threads()
    ff.config.set_num_threads(2)
    yield
    ff.config.set_num_threads(old)


def modes(*phases):
    """The modes picked over phases of (iterations, serial time, pooled time)."""
    serial, pooled = [], []
    for n, s, p in phases:
        serial += [s] * n
        pooled += [p] * n
    return _C._pool_choice_modes(serial, pooled)


def runs(flags, value=True):
    """[(start, length)] of the runs of `value` in flags."""
    out, start = [], None
    for i, f in enumerate(list(flags) + [not value]):
        if f == value and start is None:
            start = i
        elif f != value and start is not None:
            out.append((start, i - start))
            start = None
    return out


def test_pool_kept_when_it_is_faster_and_probes_grow_rare(two_threads):
    m = modes((20000, 0.2, 0.1))
    serial = runs(m)
    # Only probe windows (one skipped iteration + WINDOW timed) run serially ...
    assert all(length == WINDOW + 1 for _, length in serial), serial
    # ... the first after WINDOW + 1 pooled steps, then ever further apart, up to 2,048.
    assert serial[0][0] == WINDOW + 1
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(serial, serial[1:])]
    assert gaps[:4] == [512, 1024, 2048, 2048]
    assert sum(m) < 0.02 * len(m)


def test_leaves_the_pool_after_two_probes_and_comes_back_after_one(two_threads):
    m = modes((3000, 0.1, 0.2), (3000, 0.2, 0.1))
    first = next(i for i in range(len(m)) if all(m[i:i + 256]))
    # Probe 1 (after 17 pooled steps) makes it pending, probe 2 (256 pooled steps
    # later) switches: serial from probe 2's window on.
    assert first == 2 * (WINDOW + 1) + 256
    # While serial the pool only runs its probe windows, every 256 steps ...
    pooled = runs(m[first:3000], value=False)
    assert all(length == WINDOW + 1 for _, length in pooled), pooled
    assert all(b[0] - (a[0] + a[1]) == 256 for a, b in zip(pooled, pooled[1:]))
    # ... and once the pool is faster again, the first probe brings it back.
    back = next(i for i in range(3000, len(m)) if not any(m[i:i + 256]))
    assert back <= 3000 + 256 + WINDOW + 1


def test_a_close_call_keeps_the_pool(two_threads):
    # One thread 15% faster is under the 20% leaving the pool needs.
    m = modes((3000, 0.085, 0.1))
    assert all(length == WINDOW + 1 for _, length in runs(m))


def test_one_noisy_probe_does_not_leave_the_pool(two_threads):
    # One thread looks faster for one probe window only (a preempted pooled window).
    m = modes((17, 0.2, 0.1), (17, 0.05, 0.1), (4000, 0.2, 0.1))
    assert all(length == WINDOW + 1 for _, length in runs(m))


def test_one_thread_never_probes():
    old = ff.config.get_num_threads()
    ff.config.set_num_threads(1)
    try:
        assert not any(modes((1000, 0.1, 0.2)))
    finally:
        ff.config.set_num_threads(old)


def test_hook_checks_lengths():
    with pytest.raises(Exception, match="differ in length"):
        _C._pool_choice_modes([0.1], [])
