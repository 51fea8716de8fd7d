"""PoolChoice (core/threads.h): a Program's training steps run with the pool or on one
thread, whichever its timings say is faster, switching only after two probes in a row
agree. Driven here with synthetic step times through a test hook."""

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


def _serial_runs(modes):
    """[(start, length)] of the runs of serial iterations."""
    runs, start = [], None
    for i, s in enumerate(modes + [False]):
        if s and start is None:
            start = i
        elif not s and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def test_pool_kept_when_it_is_faster_and_probes_grow_rare(two_threads):
    modes = _C._pool_choice_modes(20000, 0.2, 0.1)
    runs = _serial_runs(modes)
    # Only probe windows (one skipped iteration + WINDOW timed) run serially ...
    assert all(length == WINDOW + 1 for _, length in runs), runs
    # ... the first after WINDOW + 1 pooled steps, then ever further apart, up to 2,048.
    assert runs[0][0] == WINDOW + 1
    gaps = [b[0] - (a[0] + a[1]) for a, b in zip(runs, runs[1:])]
    assert gaps[:4] == [512, 1024, 2048, 2048]
    assert sum(modes) < 0.02 * len(modes)


def test_switches_to_one_thread_after_two_probes_and_stays(two_threads):
    modes = _C._pool_choice_modes(5000, 0.1, 0.2)
    first_serial_stretch = next(i for i in range(len(modes) - 256)
                                if all(modes[i:i + 256]))
    # Probe 1 (after 17 pooled steps) makes it pending, probe 2 (256 pooled steps later)
    # switches: serial from probe 2's window on.
    assert first_serial_stretch == 2 * (WINDOW + 1) + 256
    tail = modes[first_serial_stretch:]
    # From then on the pool only runs its own probe windows.
    assert all(length == WINDOW + 1 for length in
               [r[1] for r in _serial_runs([not m for m in tail])])


def test_a_close_call_keeps_the_choice(two_threads):
    # 10% apart is under the 15% a switch needs.
    modes = _C._pool_choice_modes(3000, 0.09, 0.1)
    assert all(length == WINDOW + 1 for _, length in _serial_runs(modes))


def test_one_thread_never_probes():
    old = ff.config.get_num_threads()
    ff.config.set_num_threads(1)
    try:
        assert not any(_C._pool_choice_modes(1000, 0.1, 0.2))
    finally:
        ff.config.set_num_threads(old)
