"""Random sampling, as `keras.random`: `normal`, `uniform`, `truncated_normal`,
`randint`, `categorical`, `shuffle`, `dropout`, `gamma`, `beta`, `binomial` and
`SeedGenerator`.

Seeds are Keras 3's: an int gives the same values on every call, a `SeedGenerator`
gives new values on each call (replayable from its initial seed), and None draws from
the global generator that `utils.set_random_seed` makes reproducible.
"""

from pyfastfit.random.random import (
    beta, binomial, categorical, dropout, gamma, normal, randint, shuffle, truncated_normal,
    uniform,
)
from pyfastfit.random.seed_generator import SeedGenerator

__all__ = ["SeedGenerator", "beta", "binomial", "categorical", "dropout", "gamma", "normal",
           "randint", "shuffle", "truncated_normal", "uniform"]
