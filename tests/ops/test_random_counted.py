"""The counted forms of the dropout / Gaussian-noise kernels: the counter tensor is
advanced in place, and the draw equals the integer-counter form at the new value."""

import numpy as np
import pytest

from pyfastfit.core import Tensor
from pyfastfit.ops import _random as random_ops


@pytest.mark.parametrize("fn, arg", [(random_ops.dropout, 0.4),
                                     (random_ops.gaussian_noise, 0.7)])
def test_counted_draw_equals_integer_counter(fn, arg):
    x = np.arange(1, 13, dtype="float32").reshape(3, 4)
    counter = Tensor(np.array(4, np.int64))
    for expected in (5, 6, 7):
        got = np.asarray(fn(x, arg, 11, counter))
        assert int(np.asarray(counter)) == expected
        np.testing.assert_array_equal(got, np.asarray(fn(x, arg, 11, expected)))


@pytest.mark.parametrize("bad", [np.array(1, np.int32), np.zeros((2,), np.int64),
                                 np.array(1.0, np.float32)])
def test_counter_must_be_one_int64(bad):
    counter = Tensor(bad)
    before = np.asarray(counter).copy()
    with pytest.raises(ValueError, match=r"\[dropout\] counter must be an int64 tensor"):
        random_ops.dropout(np.ones((2,), "float32"), 0.5, 1, counter)
    np.testing.assert_array_equal(np.asarray(counter), before)


def test_refused_rate_leaves_the_counter():
    counter = Tensor(np.array(0, np.int64))
    with pytest.raises(ValueError, match="rate must be in"):
        random_ops.dropout(np.ones((2,), "float32"), 1.5, 1, counter)
    assert int(np.asarray(counter)) == 0
