"""SeedGenerator and seed resolution for `pyfastfit.random`.

Every random function here is stateless in its seed: a draw is a pure function of a
two-integer state `(seed, counter)`. An int seed gives the state `(seed, 0)`, so the same
int gives the same values on every call (as in Keras 3); a `SeedGenerator` hands out its
state and advances the counter, so successive draws differ but replay after a reset;
`seed=None` takes a fresh state from the global generator, which
`utils.set_random_seed` makes reproducible.
"""

import threading

import numpy as np

from pyfastfit import backend

_MASK64 = 2**64 - 1


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
        self._lock = threading.Lock()
        # Two int64 words: (seed, counter), as Keras's `state` variable.
        self._state = np.array([seed & _MASK64, 0], dtype=np.uint64)

    @property
    def state(self):
        """The current `(seed, counter)` state as an int NumPy array of shape (2,)."""
        return self._state.copy()

    def next(self, ordered=True):
        """Returns the current state and advances the generator.

        Args:
            ordered: True (default) increments the counter. False scrambles the state
                instead (Keras's unordered mode); draws stay distinct either way.
        """
        with self._lock:
            current = self._state.copy()
            if ordered:
                self._state[1] += np.uint64(1)
            else:
                self._state[1] = np.uint64((int(self._state[1]) + 1) * 5387 % 933199 + 2**40)
        return current

    def get_config(self):
        """`{"seed": initial seed, "name": name}`."""
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator name={self.name} state={self._state.tolist()}>"


def draw_seed(seed):
    """The `(seed, counter)` state for one draw: from an int, a SeedGenerator or None."""
    if isinstance(seed, SeedGenerator):
        s = seed.next()
        return int(s[0]), int(s[1])
    if seed is None:
        return backend.draw_seed(), 0
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed) & _MASK64, 0
    raise ValueError(
        "Argument `seed` must be either an integer or an instance of `SeedGenerator`. "
        f"Received: seed={seed!r} (of type {type(seed)})")


def generator(seed):
    """A NumPy Generator for one draw: a pure function of `draw_seed(seed)`."""
    return np.random.default_rng(list(draw_seed(seed)))
