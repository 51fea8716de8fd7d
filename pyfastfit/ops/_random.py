"""The kernel entries of the C++ counter-based generator (SplitMix64 of seed, counter,
index): dropout and Gaussian noise (the Dropout and GaussianNoise layers call these, so
the C++ fast path draws the same values) and the draws of `pyfastfit.random` keyed by a
SeedGenerator's state tensor. Private: the public random API is `pyfastfit.random` (as
`keras.random`)."""

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


def dropout_state(x, rate, state):
    """`dropout` with `(seed, counter)` read from `state`, an int64 tensor of shape (2,)
    (a SeedGenerator's), whose counter the kernel advances in place (atomically); the
    draw uses the counter as it was, as `dropout(x, rate, seed, counter)` would."""
    x = convert_to_tensor(x)
    if x.dtype != "float32":
        x = convert_to_tensor(x, "float32")
    out_c, mask_c = _C.dropout_forward_state(x._c, float(rate), state._c)
    out = wrap(out_c)
    if _state.tapes:
        record("dropout", (x,), out, (mask_c,), None)
    return out


# keras.random draws. `state` is an int64 Tensor of shape (2,) holding (seed, counter);
# with `advance` the kernel adds one to the counter in place (a SeedGenerator), without
# it the state is only read (an int seed). Not differentiable: nothing flows to a seed.
def normal(shape, mean, stddev, state, advance):
    """float32 `mean + stddev * N(0, 1)` of `shape`."""
    return wrap(_C.random_normal(shape, float(mean), float(stddev), state._c, advance))


def uniform(shape, minval, maxval, state, advance):
    """float32 uniform on `[minval, maxval)` of `shape`."""
    return wrap(_C.random_uniform(shape, float(minval), float(maxval), state._c, advance))


def truncated_normal(shape, mean, stddev, state, advance):
    """float32 normal of `shape` with values beyond two stddevs re-drawn."""
    return wrap(_C.random_truncated_normal(shape, float(mean), float(stddev), state._c,
                                           advance))


def randint(shape, minval, maxval, dtype, state, advance):
    """Integers in `[minval, maxval)` of `shape`, dtype "int32" or "int64"."""
    return wrap(_C.random_randint(shape, int(minval), int(maxval) - int(minval) - 1, dtype,
                                  state._c, advance))


def state_next(state):
    """A copy of `state`; the counter of `state` is advanced by one (atomically)."""
    return wrap(_C.random_state_next(state._c, True))


def state_scramble(state):
    """A copy of `state`; the counter of `state` is scrambled (Keras's unordered mode)."""
    return wrap(_C.random_state_next(state._c, False))


__all__ = ["dropout", "dropout_state", "gaussian_noise", "normal", "randint", "state_next",
           "state_scramble", "truncated_normal", "uniform"]
