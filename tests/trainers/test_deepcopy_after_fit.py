"""copy.deepcopy of a trained model: the copy trains on alone (its own variables,
optimizer state and compiled steps), the original is untouched."""

import copy

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast_path", "compiled_step"])
def test_deepcopy_of_a_fitted_model_trains_independently(fast_path):
    keras.config.set_fast_path_enabled(fast_path)
    rng = np.random.default_rng(0)
    x = rng.random((64, 4), dtype=np.float32)
    y = rng.random((64, 3), dtype=np.float32)
    m = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
    m.compile(optimizer="adam", loss="mse")
    m.fit(x, y, batch_size=8, epochs=2, verbose=0)
    twin = copy.deepcopy(m)
    before = m.get_weights()
    twin.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(before, m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(m.optimizer.iterations.numpy()) == 16
    assert int(twin.optimizer.iterations.numpy()) == 40
    # The copy's optimizer updates the copy's variables from where the original was.
    m.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False)
    for a, b in zip(m.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_c_tensor_pickles_by_value():
    import pickle

    from pyfastfit import _C

    t = _C.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3))
    u = pickle.loads(pickle.dumps(t))
    np.testing.assert_array_equal(np.asarray(u), np.asarray(t))
    assert not u.shares_memory_with(t)
