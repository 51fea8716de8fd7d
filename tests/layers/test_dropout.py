import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from tests.layers.layer_test_utils import check_layer


def test_dropout_check_layer():
    check_layer(layers.Dropout, {"rate": 0.5, "seed": 1}, (4, 8), (4, 8))


def test_inactive_at_inference():
    x = np.random.default_rng(0).standard_normal((16, 8)).astype("float32")
    layer = layers.Dropout(0.5, seed=3)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)


def test_training_mask_scale_and_rate():
    x = np.ones((200, 100), "float32")
    y = np.asarray(layers.Dropout(0.3, seed=5)(x, training=True))
    assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.7)}
    assert abs((y == 0).mean() - 0.3) < 0.02


def test_determinism_with_seed_and_new_mask_each_call():
    x = np.ones((4, 50), "float32")
    a, b = layers.Dropout(0.5, seed=7), layers.Dropout(0.5, seed=7)
    a1, a2 = np.asarray(a(x, training=True)), np.asarray(a(x, training=True))
    b1 = np.asarray(b(x, training=True))
    np.testing.assert_array_equal(a1, b1)
    assert not np.array_equal(a1, a2)


def test_global_seed_makes_unseeded_dropout_deterministic():
    x = np.ones((4, 50), "float32")
    keras.backend.set_random_seed(42)
    y1 = np.asarray(layers.Dropout(0.5)(x, training=True))
    keras.backend.set_random_seed(42)
    y2 = np.asarray(layers.Dropout(0.5)(x, training=True))
    np.testing.assert_array_equal(y1, y2)


def test_gradient_uses_mask():
    x = keras.Variable(np.ones((3, 10), "float32"))
    layer = layers.Dropout(0.5, seed=1)
    with keras.GradientTape() as tape:
        y = layer(x, training=True)
        loss = keras.ops.sum(y)
    g = np.asarray(tape.gradient(loss, x))
    np.testing.assert_array_equal(g, np.asarray(y))


def test_noise_shape():
    y = np.asarray(layers.Dropout(0.5, noise_shape=(None, 1), seed=2)(
        np.ones((8, 6), "float32"), training=True))
    for row in y:
        assert len(set(row.tolist())) == 1


def test_invalid_rate():
    with pytest.raises(ValueError, match="rate=1.5"):
        layers.Dropout(1.5)


def _splitmix_mask(n, rate, seed, counter):
    """NumPy reference of the C++ mask: SplitMix64 of (seed, counter, index), top 24
    bits as a uniform in [0, 1), kept when >= rate and scaled by 1 / (1 - rate)."""
    with np.errstate(over="ignore"):
        z = (np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
             + np.uint64(counter) * np.uint64(0xD1B54A32D192ED03)
             + np.arange(n, dtype=np.uint64) + np.uint64(0x632BE59BD9B4E5EB))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)
    return np.where(u >= np.float32(rate), np.float32(1.0 / (1.0 - rate)), np.float32(0.0))


@pytest.mark.parametrize("n", [1, 17, 1000, (1 << 15) + 3, 100_003])
def test_dropout_mask_matches_the_splitmix_reference(n):
    from pyfastfit.core._c import _C

    x = np.linspace(-1, 1, n, dtype=np.float32)
    out, mask = _C.dropout_forward(_C.from_numpy(x), 0.3, 12345, 7)
    ref = _splitmix_mask(n, 0.3, 12345, 7)
    np.testing.assert_array_equal(np.asarray(mask), ref)
    np.testing.assert_array_equal(np.asarray(out), x * ref)
