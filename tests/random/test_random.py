"""keras.random: distributions, seeds (int, SeedGenerator, global), argument errors."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import random

N = 20000  # moments below hold to many standard errors at this size


def _np(t):
    return np.asarray(t)


def test_normal_moments_shape_dtype():
    x = random.normal((N,), mean=2.0, stddev=3.0, seed=1)
    assert x.shape == (N,) and x.dtype == "float32"
    v = _np(x)
    assert abs(v.mean() - 2.0) < 0.1 and abs(v.std() - 3.0) < 0.1


def test_uniform_bounds_and_moments():
    v = _np(random.uniform((N,), minval=-1.0, maxval=3.0, seed=2))
    assert v.min() >= -1.0 and v.max() < 3.0
    assert abs(v.mean() - 1.0) < 0.05 and abs(v.var() - 16 / 12) < 0.05


def test_uniform_half_open_after_float32_rounding():
    # An interval of one float32 ulp: rounding must never produce maxval.
    lo = np.float32(1.0)
    hi = float(np.nextafter(lo, np.float32(2)))
    v = _np(random.uniform((1000,), minval=float(lo), maxval=hi, seed=3))
    assert np.all(v == lo)


def test_truncated_normal_within_two_stddev():
    v = _np(random.truncated_normal((N,), mean=1.0, stddev=0.5, seed=3))
    assert v.min() >= 0.0 and v.max() <= 2.0
    # Truncating at 2 sigma leaves std ~0.880 sigma.
    assert abs(v.mean() - 1.0) < 0.02 and abs(v.std() - 0.44) < 0.02


def test_randint_range_dtype_and_coverage():
    v = random.randint((N,), 3, 7, seed=4)
    assert v.dtype == "int32"
    a = _np(v)
    assert set(np.unique(a)) == {3, 4, 5, 6}
    assert np.all(np.abs(np.bincount(a - 3) / N - 0.25) < 0.02)
    assert random.randint((2,), 0, 2, dtype="int64", seed=0).dtype == "int64"
    assert set(_np(random.randint((50,), -2, -1, seed=1))) == {-2}


def test_categorical_frequencies_and_impossible_classes():
    with np.errstate(divide="ignore"):
        logits = np.log(np.array([[0.2, 0.8, 0.0], [1.0, 1.0, 1.0]], dtype="float32"))
    s = random.categorical(logits, 6000, seed=5)
    assert s.shape == (2, 6000) and s.dtype == "int32"
    s = _np(s)
    assert not np.any(s[0] == 2)  # probability 0 (-inf logit) never drawn
    assert abs(np.mean(s[0] == 1) - 0.8) < 0.03
    assert np.all(np.abs(np.bincount(s[1], minlength=3) / 6000 - 1 / 3) < 0.03)
    assert random.categorical(np.zeros((3, 4)), 0, seed=1).shape == (3, 0)


def test_categorical_errors():
    with pytest.raises(ValueError, match="2-D"):
        random.categorical(np.zeros(3), 2)
    with pytest.raises(ValueError, match="num_samples=-1"):
        random.categorical(np.zeros((2, 3)), -1)
    with pytest.raises(ValueError, match="NaN"):
        random.categorical(np.array([[0.0, np.nan]]), 2, seed=1)
    with pytest.raises(ValueError, match="finite"):
        random.categorical(np.array([[-np.inf, -np.inf]]), 2, seed=1)


def test_shuffle_is_a_permutation_along_axis():
    x = np.arange(24, dtype="float32").reshape(4, 6)
    s0 = _np(random.shuffle(x, axis=0, seed=7))
    assert sorted(map(tuple, s0)) == sorted(map(tuple, x))
    s1 = _np(random.shuffle(x, axis=-1, seed=7))
    assert np.array_equal(np.sort(s1, axis=1), x)
    assert not np.array_equal(s1, x)
    assert _np(random.shuffle(np.array([5.0]), seed=1)).tolist() == [5.0]
    with pytest.raises(ValueError, match="axis=2"):
        random.shuffle(x, axis=2)


def test_dropout_rate_scaling_and_gradient():
    x = np.ones((200, 100), dtype="float32")
    y = _np(random.dropout(x, 0.25, seed=8))
    kept = y != 0
    assert abs(kept.mean() - 0.75) < 0.02
    assert np.allclose(y[kept], 1 / 0.75)
    assert np.array_equal(_np(random.dropout(x, 0.0, seed=1)), x)
    assert not np.any(_np(random.dropout(x, 1.0, seed=1)))
    v = keras.Variable(np.ones((3, 4), "float32"))
    with keras.GradientTape() as tape:
        out = keras.ops.sum(random.dropout(v, 0.5, seed=9))
    g = _np(tape.gradient(out, v))
    mask = _np(random.dropout(np.ones((3, 4), "float32"), 0.5, seed=9))
    assert np.allclose(g, mask)


def test_dropout_noise_shape_broadcasts_the_mask():
    y = _np(random.dropout(np.ones((4, 50), "float32"), 0.5, noise_shape=(1, None), seed=3))
    assert np.all(y == y[0])
    with pytest.raises(ValueError, match="noise_shape"):
        random.dropout(np.ones((4, 5)), 0.5, noise_shape=(3, 5))
    with pytest.raises(ValueError, match="rate=1.5"):
        random.dropout(np.ones(3), 1.5)
    with pytest.raises(ValueError, match="rate=nan"):
        random.dropout(np.ones(3), float("nan"))


def test_gamma_beta_binomial_moments():
    g = _np(random.gamma((N,), alpha=3.0, seed=1))
    assert abs(g.mean() - 3.0) < 0.1 and abs(g.var() - 3.0) < 0.3 and g.min() > 0
    b = _np(random.beta((N,), alpha=2.0, beta=6.0, seed=2))
    assert abs(b.mean() - 0.25) < 0.01 and 0 < b.min() and b.max() < 1
    n = _np(random.binomial((N,), counts=10, probabilities=0.3, seed=3))
    assert n.dtype == np.float32 and abs(n.mean() - 3.0) < 0.1
    assert set(np.unique(n)) <= set(range(11))
    with pytest.raises(ValueError, match="alpha"):
        random.gamma((2,), 0.0)
    with pytest.raises(ValueError, match="probabilities"):
        random.binomial((2,), 3, 1.5)


def test_int_seed_repeats_and_seeds_differ():
    a = _np(random.normal((5,), seed=42))
    assert np.array_equal(a, _np(random.normal((5,), seed=42)))
    assert not np.array_equal(a, _np(random.normal((5,), seed=43)))
    assert np.array_equal(_np(random.normal((5,), seed=np.int64(42))), a)


def test_seed_generator_advances_and_replays():
    gen = random.SeedGenerator(42)
    assert gen.state.tolist() == [42, 0]
    a = _np(random.normal((5,), seed=gen))
    b = _np(random.normal((5,), seed=gen))
    assert gen.state.tolist() == [42, 2]
    assert not np.array_equal(a, b)
    # The first draw of SeedGenerator(s) is the draw with the int seed s, as Keras.
    assert np.array_equal(a, _np(random.normal((5,), seed=42)))
    gen2 = random.SeedGenerator(42)
    assert np.array_equal(_np(random.normal((5,), seed=gen2)), a)
    assert np.array_equal(_np(random.normal((5,), seed=gen2)), b)
    assert gen.get_config()["seed"] == 42
    assert random.SeedGenerator.from_config(gen.get_config()).state.tolist() == [42, 0]


def test_unseeded_draws_follow_set_random_seed():
    keras.utils.set_random_seed(123)
    a = _np(random.uniform((4,)))
    g = random.SeedGenerator()
    b = _np(random.uniform((4,), seed=g))
    keras.utils.set_random_seed(123)
    assert np.array_equal(_np(random.uniform((4,))), a)
    assert np.array_equal(_np(random.uniform((4,), seed=random.SeedGenerator())), b)
    assert not np.array_equal(_np(random.uniform((4,))), a)  # the global state advanced


def test_empty_and_scalar_shapes():
    assert random.normal((0, 3), seed=1).shape == (0, 3)
    assert random.uniform((), seed=1).shape == ()
    assert random.randint((0,), 0, 1, seed=1).shape == (0,)


@pytest.mark.parametrize("bad", ["a", 1.5, True, [1, 2]])
def test_bad_seed_raises(bad):
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed=bad)


def test_argument_errors():
    with pytest.raises(ValueError, match="floating point `dtype`"):
        random.uniform((2,), dtype="int32")
    with pytest.raises(ValueError, match="integer `dtype`"):
        random.randint((2,), 0, 5, dtype="float32")
    with pytest.raises(ValueError, match="float32"):
        random.normal((2,), dtype="float64")
    with pytest.raises(ValueError, match="shape=3"):
        random.normal(3)
    with pytest.raises(ValueError, match=r"shape=\(-1, 2\)"):
        random.normal((-1, 2))
    with pytest.raises(ValueError, match="minval=5, maxval=5"):
        random.randint((2,), 5, 5)
    with pytest.raises(ValueError, match="maxval=2.5"):
        random.randint((2,), 0, 2.5)
    with pytest.raises(ValueError, match="seed=1.5"):
        random.SeedGenerator(1.5)
    with pytest.raises(ValueError, match="Unrecognized"):
        random.SeedGenerator(1, foo=2)


def test_top_level_namespace():
    assert keras.random is random
    assert not hasattr(keras.ops, "random")  # as Keras 3: random lives at the top level
    for name in ("normal", "uniform", "truncated_normal", "randint", "categorical",
                 "shuffle", "dropout", "gamma", "beta", "binomial", "SeedGenerator"):
        assert callable(getattr(keras.random, name))


# inspect.signature of keras.random / keras.config functions in Keras 3.15.1.
KERAS_SIGNATURES = {
    "random.normal": "(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)",
    "random.uniform": "(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)",
    "random.truncated_normal": "(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)",
    "random.randint": "(shape, minval, maxval, dtype='int32', seed=None)",
    "random.categorical": "(logits, num_samples, dtype='int32', seed=None)",
    "random.shuffle": "(x, axis=0, seed=None)",
    "random.dropout": "(inputs, rate, noise_shape=None, seed=None)",
    "random.gamma": "(shape, alpha, dtype=None, seed=None)",
    "random.beta": "(shape, alpha, beta, dtype=None, seed=None)",
    "random.binomial": "(shape, counts, probabilities, dtype=None, seed=None)",
    "config.backend": "()", "config.floatx": "()", "config.set_floatx": "(value)",
    "config.epsilon": "()", "config.set_epsilon": "(value)",
    "config.image_data_format": "()",
    "config.set_image_data_format": "(data_format)",
}


@pytest.mark.parametrize("name", sorted(KERAS_SIGNATURES))
def test_signatures_match_keras(name):
    import inspect

    module, fn = name.split(".")
    assert str(inspect.signature(getattr(getattr(keras, module), fn))) == \
        KERAS_SIGNATURES[name]


def test_shape_accepts_integer_tensors():
    n = keras.ops.convert_to_tensor(np.int32(2))
    assert random.normal((n, np.int64(3)), seed=1).shape == (2, 3)
    with pytest.raises(ValueError, match=r"shape=\(2.0, 3\)"):
        random.normal((2.0, 3))


def test_randint_range_must_fit_the_dtype():
    with pytest.raises(ValueError, match="must fit in int32"):
        random.randint((2,), 0, 2**40)
    v = _np(random.randint((100,), 2**40, 2**40 + 3, dtype="int64", seed=1))
    assert v.min() >= 2**40 and v.max() < 2**40 + 3


def test_categorical_in_blocks(monkeypatch):
    monkeypatch.setattr("pyfastfit.random.random._NOISE_BLOCK", 40)  # 2 samples per block
    logits = np.full((2, 10), -np.inf, "float32")
    logits[0, 7] = 0.0
    logits[1, [1, 2]] = 0.0
    s = _np(random.categorical(logits, 41, seed=2))
    assert s.shape == (2, 41)
    assert np.all(s[0] == 7) and set(s[1]) == {1, 2}
    # Blocks draw fresh noise: the second row is not one block repeated.
    assert len({tuple(s[1, i:i + 2]) for i in range(0, 40, 2)}) > 1


def test_dropout_rate_as_scalar_tensor():
    rate = keras.ops.convert_to_tensor(np.float32(0.5))
    y = _np(random.dropout(np.ones((10, 10), "float32"), rate, seed=1))
    assert set(np.unique(y)) <= {0.0, 2.0}
    with pytest.raises(ValueError, match="rate='a'"):
        random.dropout(np.ones(3), "a")


def test_seed_generator_is_thread_safe():
    from tests.helpers import run_in_threads

    gen = random.SeedGenerator(5)
    seen = [[] for _ in range(4)]

    def work(k):
        for _ in range(200):
            seen[k].append(int(gen.next()[1]))

    run_in_threads(work, n=4)
    counters = sorted(c for part in seen for c in part)
    assert counters == list(range(800))  # every state handed out exactly once
