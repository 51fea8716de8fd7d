"""The keras.random kernels (_C.random_*): values against an exact Python reference of
the counter-based generator, independence from the thread count, the state tensor's
advance, and argument errors."""

import math

import numpy as np
import pytest

import pyfastfit as ff
from pyfastfit.core._c import _C

M64 = 2**64 - 1


def bits(seed, counter, index):
    """SplitMix64 of (seed, counter, index), as csrc/cpu/random.h (Python ints)."""
    z = (seed * 0x9E3779B97F4A7C15 + counter * 0xD1B54A32D192ED03 + index +
         0x632BE59BD9B4E5EB) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def box_muller(a, b):
    r = math.sqrt(-2.0 * math.log(((a >> 11) + 1) * 2.0**-53))
    t = 2 * math.pi * ((b >> 11) * 2.0**-53)
    return r * math.cos(t), r * math.sin(t)


def ref_normal(n, mean, stddev, seed, counter):
    out = []
    for p in range(0, n, 2):
        c, s = box_muller(bits(seed, counter, p), bits(seed, counter, p + 1))
        out += [mean + stddev * c, mean + stddev * s]
    return np.array(out[:n], np.float32)


def ref_truncated(n, mean, stddev, seed, counter):
    out = []
    for i in range(n):
        z = 0.0
        for r in range(16):
            index = i + 2 * r * 2**40
            c, s = box_muller(bits(seed, counter, index), bits(seed, counter, index + 2**40))
            if abs(c) <= 2:
                z = c
                break
            if abs(s) <= 2:
                z = s
                break
        out.append(mean + stddev * z)
    return np.array(out, np.float32)


def state(seed, counter=0):
    return _C.from_numpy(np.array([seed & M64, counter & M64], np.uint64).view(np.int64))


def test_normal_matches_the_reference(threads):
    for n, seed, counter in ((1, 1, 0), (7, 42, 3), (2001, 2**64 - 5, 2**40 + 1)):
        got = np.asarray(_C.random_normal((n,), 1.5, 2.0, state(seed), False)) \
            if counter == 0 else \
            np.asarray(_C.random_normal((n,), 1.5, 2.0, state(seed, counter), True))
        # Python's math and the kernel's libm may differ in the last float64 bit.
        np.testing.assert_allclose(got, ref_normal(n, 1.5, 2.0, seed, counter), rtol=1e-6,
                                   atol=1e-6)


def test_uniform_matches_the_reference_exactly(threads):
    n, lo, hi = 1001, -1.25, 3.5
    got = np.asarray(_C.random_uniform((n,), lo, hi, state(9, 4), False))
    want = np.array([lo + (hi - lo) * ((bits(9, 4, i) >> 11) * 2.0**-53) for i in range(n)],
                    np.float32)
    np.testing.assert_array_equal(got, want)


def test_truncated_normal_matches_the_reference(threads):
    got = np.asarray(_C.random_truncated_normal((3000,), 0.0, 1.0, state(5, 2), False))
    np.testing.assert_allclose(got, ref_truncated(3000, 0.0, 1.0, 5, 2), rtol=1e-6, atol=1e-6)
    assert np.abs(got).max() <= 2.0


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_randint_matches_the_reference_exactly(threads, dtype):
    n, lo, span = 999, -7, 1000003
    got = np.asarray(_C.random_randint((n,), lo, span - 1, dtype, state(11, 1), False))
    assert got.dtype == dtype
    want = [lo + ((bits(11, 1, i) * span) >> 64) for i in range(n)]
    np.testing.assert_array_equal(got, want)


def test_randint_full_int64_range():
    got = np.asarray(_C.random_randint((50,), -2**63, M64, "int64", state(3), False))
    want = [bits(3, 0, i) - 2**63 for i in range(50)]  # minval + the 64 bits
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("op", ["normal", "uniform", "truncated_normal", "randint"])
def test_values_do_not_depend_on_the_thread_count(op):
    def draw():
        st = state(17, 5)
        if op == "randint":
            return np.asarray(_C.random_randint((100003,), 0, 9, "int32", st, True))
        return np.asarray(getattr(_C, f"random_{op}")((100003,), 0.0, 1.0, st, True))

    old = ff.config.get_num_threads()
    try:
        values = []
        for nt in (1, 2, 3):  # 3: chunk boundaries fall mid-pair for normal
            ff.config.set_num_threads(nt)
            values.append(draw())
    finally:
        ff.config.set_num_threads(old)
    for v in values[1:]:
        np.testing.assert_array_equal(v, values[0])
    # A prefix of a larger draw is the smaller draw (value = f(seed, counter, index)).
    small = np.asarray(_C.random_normal((5,), 0.0, 1.0, state(17, 5), False)) \
        if op == "normal" else None
    if small is not None:
        np.testing.assert_array_equal(small, values[0][:5])


def test_state_advances_only_with_advance_and_draws_use_the_old_counter():
    st = state(42)
    a = np.asarray(_C.random_normal((4,), 0.0, 1.0, st, True))
    b = np.asarray(_C.random_normal((4,), 0.0, 1.0, st, True))
    assert np.asarray(st).tolist() == [42, 2]
    np.testing.assert_array_equal(a, np.asarray(_C.random_normal((4,), 0.0, 1.0, state(42),
                                                                 False)))
    np.testing.assert_array_equal(b, np.asarray(_C.random_normal((4,), 0.0, 1.0,
                                                                 state(42, 1), False)))
    assert not np.array_equal(a, b)
    _C.random_uniform((3,), 0.0, 1.0, st, False)
    assert np.asarray(st).tolist() == [42, 2]
    old = np.asarray(_C.random_state_next(st, True))
    assert old.tolist() == [42, 2] and np.asarray(st).tolist() == [42, 3]
    old = np.asarray(_C.random_state_next(st, False))
    assert old.tolist() == [42, 3]
    assert np.asarray(st).tolist() == [42, 4 * 5387 % 933199 + 2**40]


def test_dropout_state_matches_dropout_with_numbers():
    x = _C.from_numpy(np.ones((300,), np.float32))
    st = state(8, 6)
    out, mask = _C.dropout_forward_state(x, 0.3, st)
    out2, mask2 = _C.dropout_forward(x, 0.3, 8, 6)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(out2))
    np.testing.assert_array_equal(np.asarray(mask), np.asarray(mask2))
    assert np.asarray(st).tolist() == [8, 7]


def test_argument_errors_leave_the_state_as_it_was():
    st = state(1)
    with pytest.raises(ValueError, match=r"\[random_normal\] state must be an int64 tensor "
                                         r"of shape \(2,\)"):
        _C.random_normal((2,), 0.0, 1.0, _C.from_numpy(np.zeros(3, np.int64)), True)
    with pytest.raises(ValueError, match=r"\[random_uniform\] state"):
        _C.random_uniform((2,), 0.0, 1.0, _C.from_numpy(np.zeros(2, np.float32)), True)
    with pytest.raises(ValueError, match=r"\[random_normal\] shape"):
        _C.random_normal((2, -1), 0.0, 1.0, st, True)
    with pytest.raises(ValueError, match=r"\[random_randint\] .* does not fit in int32"):
        _C.random_randint((2,), 2**31 - 2, 5, "int32", st, True)
    with pytest.raises(ValueError, match=r"\[random_randint\] .* does not fit in int64"):
        _C.random_randint((2,), 2**62, 2**63, "int64", st, True)
    with pytest.raises(ValueError, match=r"\[random_randint\] dtype"):
        _C.random_randint((2,), 0, 5, "uint8", st, True)
    with pytest.raises(ValueError, match=r"\[dropout\] rate"):
        _C.dropout_forward_state(_C.from_numpy(np.ones(2, np.float32)), 1.5, st)
    assert np.asarray(st).tolist() == [1, 0]


def test_concurrent_draws_get_distinct_counters():
    from tests.helpers import run_in_threads

    st = state(77)
    seen = [[] for _ in range(4)]

    def work(k):
        for _ in range(100):
            seen[k].append(np.asarray(_C.random_uniform((2,), 0.0, 1.0, st, True)))

    run_in_threads(work, n=4)
    assert np.asarray(st).tolist() == [77, 400]
    got = sorted(tuple(v) for part in seen for v in part)
    want = sorted(tuple(np.asarray(_C.random_uniform((2,), 0.0, 1.0, state(77, c), False)))
                  for c in range(400))
    assert got == want  # every counter drawn exactly once


def test_the_draws_are_recorded_by_capture():
    kinds = _C.Recording.capture_kinds()
    for name in ("random_normal", "random_uniform", "random_truncated_normal",
                 "random_randint", "dropout_forward_state", "random_state_next"):
        assert kinds[name] is True, name
