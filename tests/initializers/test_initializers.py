import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import initializers


@pytest.mark.parametrize("name,std", [
    ("glorot_uniform", np.sqrt(2 / (300 + 200))),
    ("glorot_normal", np.sqrt(2 / (300 + 200))),
    ("he_uniform", np.sqrt(2 / 300)),
    ("he_normal", np.sqrt(2 / 300)),
    ("lecun_uniform", np.sqrt(1 / 300)),
    ("lecun_normal", np.sqrt(1 / 300)),
])
def test_variance_scaling_family_std(name, std):
    w = initializers.get(name)((300, 200))
    assert w.dtype == np.float32 and w.shape == (300, 200)
    assert abs(w.std() - std) / std < 0.05
    assert abs(w.mean()) < 0.01


def test_uniform_limits_and_truncation():
    w = initializers.GlorotUniform(seed=1)((30, 20))
    assert np.abs(w).max() <= np.sqrt(6 / 50)
    t = initializers.TruncatedNormal(stddev=1.0, seed=2)((1000,))
    assert np.abs(t).max() <= 2.0


def test_constants_and_identity_and_orthogonal():
    assert (initializers.get("zeros")((2, 2)) == 0).all()
    assert (initializers.get("ones")((2,)) == 1).all()
    assert (initializers.Constant(3.0)((2,)) == 3).all()
    np.testing.assert_array_equal(initializers.Identity()((3, 3)), np.eye(3))
    q = initializers.Orthogonal(seed=0)((4, 6))
    np.testing.assert_allclose(q @ q.T, np.eye(4), atol=1e-5)
    u = initializers.RandomUniform(-1, 1, seed=0)((100,))
    assert u.min() >= -1 and u.max() < 1


def test_seed_determinism():
    a = initializers.HeNormal(seed=3)((4, 4))
    b = initializers.HeNormal(seed=3)((4, 4))
    np.testing.assert_array_equal(a, b)
    keras.backend.set_random_seed(11)
    w1 = keras.layers.Dense(3)
    w1.build((None, 4))
    keras.backend.set_random_seed(11)
    w2 = keras.layers.Dense(3)
    w2.build((None, 4))
    np.testing.assert_array_equal(w1.kernel.numpy(), w2.kernel.numpy())


def test_get_and_serialize():
    init = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=4)
    clone = initializers.deserialize(initializers.serialize(init))
    np.testing.assert_array_equal(clone((3, 3)), init((3, 3)))
    assert isinstance(initializers.get("GlorotUniform"), initializers.GlorotUniform)
    with pytest.raises(ValueError, match="Valid names"):
        initializers.get("nope")
    with pytest.raises(ValueError, match="mode"):
        initializers.VarianceScaling(mode="bad")
