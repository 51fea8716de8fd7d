"""The dropout and Gaussian-noise kernel entries on the C++ counter-based generator
(SplitMix64 of seed, counter, index). Private: the public random API is
`pyfastfit.random` (as `keras.random`); the Dropout and GaussianNoise layers call these,
so the C++ fast path draws the same values."""

from pyfastfit.autodiff.tape import _state, record
from pyfastfit.core import Tensor, wrap
from pyfastfit.core._c import _C
from pyfastfit.ops._core import convert_to_tensor


def dropout(x, rate, seed, counter=0):
    """Zeroes each element with probability `rate` and scales the rest by 1 / (1 - rate).

    The mask is a pure function of `(seed, counter, element index)`, so a run is
    reproducible and the C++ fast path draws the same masks.

    Args:
        x: float32 input.
        rate: drop probability in [0, 1].
        seed: integer seed.
        counter: integer call counter (use a new one for each call), or an int64
            scalar Tensor that is incremented in place first and then used (the
            layers' form: a step compiled with pyfastfit.function advances it).

    Example:

    >>> _random.dropout(np.ones((2, 3)), 0.5, seed=1).shape
    (2, 3)
    """
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    if isinstance(counter, Tensor):
        out_c, mask_c = _C.dropout_forward_counted(x._c, float(rate),
                                                   int(seed) & (2**64 - 1), counter._c)
    else:
        out_c, mask_c = _C.dropout_forward(x._c, float(rate), int(seed) & (2**64 - 1),
                                           int(counter) & (2**64 - 1))
    out = wrap(out_c)
    if _state.tapes:
        record("dropout", (x,), out, (mask_c,), None)
    return out


def gaussian_noise(x, stddev, seed, counter=0):
    """`x + stddev * N(0, 1)` noise, a pure function of `(seed, counter, element index)`
    (differentiable in `x`: the noise does not depend on it).

    Args:
        x: float32 input.
        stddev: standard deviation of the noise (>= 0).
        seed: integer seed.
        counter: integer call counter, or an int64 scalar Tensor (as for `dropout`).
    """
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    if isinstance(counter, Tensor):
        out = wrap(_C.gaussian_noise_forward_counted(x._c, float(stddev),
                                                     int(seed) & (2**64 - 1), counter._c))
    else:
        out = wrap(_C.gaussian_noise_forward(x._c, float(stddev), int(seed) & (2**64 - 1),
                                             int(counter) & (2**64 - 1)))
    if _state.tapes:
        record("gaussian_noise", (x,), out, (), None)
    return out


__all__ = ["dropout", "gaussian_noise"]
