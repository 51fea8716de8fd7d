import random

import numpy as np
import pytest

from pyfastfit import utils
from pyfastfit.data import Dataset


def test_set_random_seed_makes_python_numpy_and_shuffles_reproducible():
    def draw():
        ds = Dataset.from_tensor_slices(np.arange(20)).shuffle(20)
        return random.random(), np.random.rand(), [int(v) for v in ds]

    utils.set_random_seed(42)
    a = draw()
    utils.set_random_seed(42)
    b = draw()
    utils.set_random_seed(43)
    c = draw()
    assert a == b and a != c


def test_set_random_seed_calls_the_backend_seed_function(monkeypatch):
    from pyfastfit.utils import rng_utils

    seen = []
    monkeypatch.setattr(rng_utils, "_backend_seed_function", lambda: seen.append)
    utils.set_random_seed(7)
    assert seen == [7]


@pytest.mark.parametrize("seed", [1.5, "1", None, True])
def test_set_random_seed_rejects_non_integers(seed):
    with pytest.raises(ValueError, match="Expected `seed` argument to be an integer"):
        utils.set_random_seed(seed)


def test_set_random_seed_rejects_negative():
    with pytest.raises(ValueError, match="seed=-1"):
        utils.set_random_seed(-1)


def test_set_random_seed_makes_weights_reproducible():
    import pyfastfit as keras
    from pyfastfit import layers

    def weights():
        model = keras.Sequential([keras.Input((4,)), layers.Dense(3), layers.Dropout(0.5)])
        out = model(np.ones((2, 4), "float32"), training=True)
        return model.get_weights()[0], np.asarray(out)

    utils.set_random_seed(5)
    w1, o1 = weights()
    utils.set_random_seed(5)
    w2, o2 = weights()
    utils.set_random_seed(6)
    w3, _ = weights()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(o1, o2)
    assert not np.array_equal(w1, w3)
