"""SeedGenerator and seed resolution for `pyfastfit.random`.

Every random function here is stateless in its seed: a draw is a pure function of a
two-integer state `(seed, counter)`. An int seed gives the state `(seed, 0)`, so the same
int gives the same values on every call (as in Keras 3); a `SeedGenerator` holds its
state in an int64 Variable that the C++ draw reads and advances in place (atomically),
so successive draws differ, replay after a reset, and a step compiled with
`pyfastfit.function` (or `fit`'s compiled `train_step`) replays the advance too;
`seed=None` takes a fresh state from the global generator, which
`utils.set_random_seed` makes reproducible.
"""

import contextlib
import threading

import numpy as np

from pyfastfit import backend
from pyfastfit.capture import hooks as capture_hooks
from pyfastfit.core import Variable
from pyfastfit.ops import _random as random_ops
from pyfastfit.ops._core import convert_to_tensor

_MASK64 = 2**64 - 1


class _Scope(threading.local):
    def __init__(self):
        self.frozen = 0


_scope = _Scope()


@contextlib.contextmanager
def frozen_draws():
    """Within it, draws read SeedGenerators' states without advancing them: the
    stand-in calls that infer a layer's output shape (a Functional model's
    construction) leave the generators as Keras's symbolic tracing does."""
    _scope.frozen += 1
    try:
        yield
    finally:
        _scope.frozen -= 1


def frozen():
    """True inside `frozen_draws` on this thread."""
    return _scope.frozen > 0


def _check_int_seed(seed, what="seed"):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Argument `{what}` must be an integer. Received: {what}={seed!r} "
                         f"(of type {type(seed)})")
    return int(seed)


class SeedGenerator:
    """Generates a new seed state on each random draw that uses it.

    Random functions given an integer seed return the same values on every call; give
    them a `SeedGenerator` to get new values on each call that still replay from the
    same initial seed.

    The state `(seed, counter)` lives in `state`, a non-trainable int64 Variable of
    shape (2,) (as Keras's). `normal`, `uniform`, `truncated_normal`, `randint` and
    `dropout` read it and advance the counter in C++ (atomically, so threads sharing a
    generator draw distinct values), which lets a step compiled with
    `pyfastfit.function` or by `fit` replay the draws: each replay draws new values,
    the ones the eager run would. The first draw of `SeedGenerator(s)` equals the draw
    with the int seed `s`.

    Args:
        seed: initial integer seed. `None` draws one from the global generator
            (reproducible after `utils.set_random_seed`).
        name: optional name.

    Example:

    ```python
    seed_gen = keras.random.SeedGenerator(seed=42)
    a = keras.random.normal((2, 3), seed=seed_gen)
    b = keras.random.normal((2, 3), seed=seed_gen)  # differs from a
    ```
    """

    def __init__(self, seed=None, name=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments: {kwargs}")
        if name is None:
            name = backend.unique_name("seed_generator")
        self.name = name
        self._initial_seed = seed
        if seed is None:
            seed = backend.draw_seed()
        seed = _check_int_seed(seed)
        #: The `(seed, counter)` state: an int64 Variable of shape (2,), as Keras's
        #: `state` (not trainable). The draws read it and advance the counter in place;
        #: `state.assign([seed, counter])` repositions the generator. A seed is kept as
        #: its 64 bits: seeds of 2**63 and above read back as negative int64 values.
        self.state = Variable(_int64_state(seed, 0), trainable=False,
                              name="seed_generator_state")

    def next(self, ordered=True):
        """Returns the current state (an int64 Tensor of shape (2,)) and advances the
        generator, atomically: threads drawing from one generator get distinct states.

        Args:
            ordered: True (default) increments the counter. False scrambles it instead
                (Keras's unordered mode); draws stay distinct either way.
        """
        if _scope.frozen:
            return convert_to_tensor(self.state.numpy())
        if ordered:
            return random_ops.state_next(self.state)
        return random_ops.state_scramble(self.state)

    def get_config(self):
        """`{"seed": initial seed, "name": name}`."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name} state={self.state.numpy().tolist()}>"


def _int64_state(seed, counter):
    """`[seed, counter]` as int64 words (the seed's low 64 bits, two's complement)."""
    return np.array([seed & _MASK64, counter & _MASK64], dtype=np.uint64).view(np.int64)


def _check_seed(seed):
    if isinstance(seed, SeedGenerator) or seed is None:
        return
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})")


def _unseeded(fn):
    capture_hooks.taint(f"`keras.random.{fn}` with seed=None draws a new seed in Python "
                        "on every call; pass a `SeedGenerator` (or an int seed) to "
                        "compile it")
    return backend.draw_seed()


def seed_state(seed, fn):
    """`(state, advance)` for the C++ draws of `keras.random.<fn>`: a SeedGenerator's
    state tensor, advanced by the draw; or a constant `(seed, 0)` tensor that the draw
    only reads (an int seed, or a fresh seed from the global generator for None)."""
    _check_seed(seed)
    if isinstance(seed, SeedGenerator):
        return seed.state, not _scope.frozen
    value = _unseeded(fn) if seed is None else int(seed)
    return convert_to_tensor(_int64_state(value, 0)), False


def draw_seed(seed, fn="random", why="its draw runs in NumPy"):
    """The `(seed, counter)` state for one draw, as Python ints: from an int, a
    SeedGenerator (advanced) or None. Used by the draws that run in NumPy: under
    `pyfastfit.function` a SeedGenerator's or a new seed makes the step run eagerly,
    with a reason that names `fn` and says `why` the state is read in Python."""
    _check_seed(seed)
    if isinstance(seed, SeedGenerator):
        capture_hooks.taint(f"`keras.random.{fn}` reads the SeedGenerator's state in "
                            f"Python ({why})")
        s = seed.next().numpy().view(np.uint64)
        return int(s[0]), int(s[1])
    if seed is None:
        return _unseeded(fn), 0
    return int(seed) & _MASK64, 0


def generator(seed, fn="random"):
    """A NumPy Generator for one draw: a pure function of `draw_seed(seed)`."""
    return np.random.default_rng(list(draw_seed(seed, fn)))
