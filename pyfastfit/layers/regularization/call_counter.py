"""The call counter of the random layers (Dropout, SpatialDropout, GaussianNoise)."""

import numpy as np

from pyfastfit.core import Tensor


class CallCounter:
    """Mixin: `_counter`, the number of training calls, kept in an int64 scalar tensor
    (`_counter_t`) that the C++ draw increments itself. A step compiled with
    `pyfastfit.function` replays that increment, so each replay draws new values;
    the fast path reads and advances `_counter` as a Python int."""

    def _init_counter(self):
        self._counter_t = Tensor(np.zeros((), np.int64))

    @property
    def _counter(self):
        return int(np.asarray(self._counter_t._c))

    @_counter.setter
    def _counter(self, value):
        np.asarray(self._counter_t._c)[()] = int(value)
