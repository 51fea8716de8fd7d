"""keras.random inside pyfastfit.function: draws with a SeedGenerator replay (the kernels
advance its state tensor), int seeds replay as constants, and what cannot be replayed
(NumPy-drawn distributions with a SeedGenerator, seed=None) runs eagerly with a reason,
drawing the same values as eager calls."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops, random


def _replayed(fn):
    return any(e.recording is not None for e in fn._entries.values())


def _step(x, gen):
    """Every C++-drawn distribution, from one generator."""
    return {
        "normal": ops.add(x, random.normal((16,), mean=1.0, stddev=2.0, seed=gen)),
        "uniform": random.uniform((3, 5), minval=-1.0, maxval=1.0, seed=gen),
        "truncated": random.truncated_normal((16,), seed=gen),
        "randint": random.randint((8,), 0, 100, dtype="int64", seed=gen),
        "dropout": random.dropout(x, 0.25, seed=gen),
        "noise_shape": random.dropout(ops.reshape(ops.tile(x, [2]), (2, 16)), 0.5,
                                      noise_shape=(1, None), seed=gen),
        "state": gen.next(),
    }


def test_all_kernel_draws_replay_and_equal_eager_calls():
    x = np.linspace(-1, 1, 16).astype("float32")
    gen_e, gen_c = random.SeedGenerator(9), random.SeedGenerator(9)
    f = keras.function(lambda x: _step(x, gen_c))
    eager = [_step(x, gen_e) for _ in range(6)]
    compiled = [f(x) for _ in range(6)]
    assert f.fallback_reason is None and _replayed(f)
    for e, c in zip(eager, compiled):
        for key in e:
            np.testing.assert_array_equal(np.asarray(c[key]), np.asarray(e[key]), key)
    for key in ("normal", "uniform", "truncated", "randint", "dropout"):
        assert not np.array_equal(np.asarray(compiled[4][key]),
                                  np.asarray(compiled[5][key])), key
    assert gen_c.state.numpy().tolist() == gen_e.state.numpy().tolist() == [9, 42]


def test_int_seeds_replay_the_same_values():
    @keras.function
    def f(x):
        return ops.add(x, random.normal((4,), seed=5)), random.randint((3,), 0, 9, seed=5)

    outs = [f(np.zeros(4, "float32")) for _ in range(5)]
    assert f.fallback_reason is None and _replayed(f)
    for a, b in outs[1:]:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(outs[0][0]))
        np.testing.assert_array_equal(np.asarray(b), np.asarray(outs[0][1]))
    np.testing.assert_array_equal(np.asarray(outs[0][0]),
                                  np.asarray(random.normal((4,), seed=5)))


NUMPY_DRAWS = {
    "shuffle": lambda x, g: random.shuffle(x, seed=g),
    "gamma": lambda x, g: ops.add(x, random.gamma((4,), 2.0, seed=g)),
    "beta": lambda x, g: ops.add(x, random.beta((4,), 2.0, 3.0, seed=g)),
    "binomial": lambda x, g: ops.add(x, random.binomial((4,), 5, 0.5, seed=g)),
    "categorical": lambda x, g: random.categorical(ops.reshape(x, (1, 4)), 3, seed=g),
}


@pytest.mark.parametrize("name", sorted(NUMPY_DRAWS))
def test_numpy_draws_with_a_seed_generator_run_eagerly(name):
    draw = NUMPY_DRAWS[name]
    x = np.array([0.1, 0.5, 0.2, 0.9], "float32")
    gen_e, gen_c = random.SeedGenerator(4), random.SeedGenerator(4)
    f = keras.function(lambda x: draw(x, gen_c))
    compiled = [np.asarray(f(x)) for _ in range(5)]
    eager = [np.asarray(draw(x, gen_e)) for _ in range(5)]
    assert not _replayed(f)
    # categorical reads its logits in Python first: that is its reason.
    assert f.fallback_reason is not None and (
        f"keras.random.{name}` reads the SeedGenerator's state in Python (its draw "
        "runs in NumPy)" in f.fallback_reason
        or "read or written in Python" in f.fallback_reason)
    for e, c in zip(eager, compiled):
        np.testing.assert_array_equal(c, e)
    assert gen_c.state.numpy().tolist() == [4, 5]


@pytest.mark.parametrize("draw", [lambda: random.normal((4,)),
                                  lambda: random.dropout(np.arange(64, dtype="float32"), 0.5)])
def test_unseeded_draws_run_eagerly_with_the_reason(draw):
    f = keras.function(lambda x: ops.add(x, ops.sum(draw())))
    outs = [float(np.asarray(f(np.zeros((), "float32")))) for _ in range(4)]
    assert "seed=None" in f.fallback_reason and not _replayed(f)
    assert len(set(outs)) == 4  # a new seed on each call, never a replayed one
