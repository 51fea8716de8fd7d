"""SeedGenerator: its state tensor (a Variable the C++ draws advance), sequences of
draws, the int-seed equivalence, thread safety and copies."""

import copy

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import random


def _np(t):
    return np.asarray(t)


DRAWS = {
    "normal": lambda seed: random.normal((6,), seed=seed),
    "uniform": lambda seed: random.uniform((6,), seed=seed),
    "truncated_normal": lambda seed: random.truncated_normal((6,), seed=seed),
    "randint": lambda seed: random.randint((6,), 0, 1000, seed=seed),
    "dropout": lambda seed: random.dropout(np.ones((64,), "float32"), 0.5, seed=seed),
}


@pytest.mark.parametrize("name", sorted(DRAWS))
def test_sequences_advance_replay_and_start_at_the_int_seed(name):
    draw = DRAWS[name]
    gen = random.SeedGenerator(42)
    seq = [_np(draw(gen)) for _ in range(4)]
    assert gen.state.numpy().tolist() == [42, 4]
    assert all(not np.array_equal(seq[i], seq[i + 1]) for i in range(3))
    # The first draw of SeedGenerator(s) is the draw with the int seed s, as Keras.
    np.testing.assert_array_equal(seq[0], _np(draw(42)))
    np.testing.assert_array_equal(_np(draw(42)), _np(draw(42)))  # int seeds: pure
    again = random.SeedGenerator(42)
    for want in seq:
        np.testing.assert_array_equal(_np(draw(again)), want)
    gen.state.assign(np.array([42, 2], "int64"))  # reposition the generator
    np.testing.assert_array_equal(_np(draw(gen)), seq[2])


def test_state_is_a_non_trainable_int64_variable():
    gen = random.SeedGenerator(7, name="noise")
    assert isinstance(gen.state, keras.Variable)
    assert gen.state.dtype == "int64" and gen.state.shape == (2,)
    assert not gen.state.trainable and gen.state.name == "seed_generator_state"
    assert gen.state.numpy().tolist() == [7, 0]
    s = gen.next()
    assert isinstance(s, keras.core.Tensor) and _np(s).tolist() == [7, 0]
    assert gen.state.numpy().tolist() == [7, 1]
    assert gen.get_config() == {"seed": 7, "name": "noise"}
    assert "noise" in repr(gen) and "[7, 1]" in repr(gen)


def test_unordered_next_scrambles_the_counter():
    gen = random.SeedGenerator(3)
    seen = {int(_np(gen.next(ordered=False))[1]) for _ in range(50)}
    assert len(seen) == 50


def test_seeds_keep_their_64_bits():
    gen = random.SeedGenerator(2**64 - 1)
    assert gen.state.numpy().tolist() == [-1, 0]  # the same 64 bits as an int64
    np.testing.assert_array_equal(_np(random.normal((3,), seed=gen)),
                                  _np(random.normal((3,), seed=2**64 - 1)))
    np.testing.assert_array_equal(_np(random.normal((3,), seed=-1)),
                                  _np(random.normal((3,), seed=2**64 - 1)))


def test_deepcopy_copies_the_state():
    gen = random.SeedGenerator(11)
    random.normal((2,), seed=gen)
    twin = copy.deepcopy(gen)
    np.testing.assert_array_equal(_np(random.normal((2,), seed=twin)),
                                  _np(random.normal((2,), seed=gen)))
    assert twin.state.numpy().tolist() == gen.state.numpy().tolist() == [11, 2]


def test_tensor_parameters_broadcast():
    gen_a, gen_b = random.SeedGenerator(5), random.SeedGenerator(5)
    mean = keras.ops.convert_to_tensor(np.array([0.0, 10.0, 20.0], "float32"))
    a = _np(random.normal((4, 3), mean=mean, stddev=2.0, seed=gen_a))
    b = _np(random.normal((4, 3), seed=gen_b))
    np.testing.assert_allclose(a, 2.0 * b + [0.0, 10.0, 20.0], rtol=1e-6)
    u = _np(random.uniform((1000, 2), minval=np.array([0.0, 5.0]), maxval=6.0, seed=1))
    assert u[:, 0].min() >= 0 and u[:, 1].min() >= 5 and u.max() < 6
    assert u[:, 0].max() > 5  # each column has its own range


def test_draws_from_many_threads_are_distinct():
    from tests.helpers import run_in_threads

    gen = random.SeedGenerator(21)
    seen = [[] for _ in range(4)]

    def work(k):
        for _ in range(50):
            seen[k].append(tuple(_np(random.normal((3,), seed=gen))))

    run_in_threads(work, n=4)
    assert gen.state.numpy().tolist() == [21, 200]
    ref = random.SeedGenerator(21)
    want = sorted(tuple(_np(random.normal((3,), seed=ref))) for _ in range(200))
    assert sorted(v for part in seen for v in part) == want  # each state drawn once


class _Noisy(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = random.SeedGenerator(12)

    def call(self, x):
        x = random.dropout(x, 0.5, seed=self.seed_generator)
        return keras.ops.add(x, random.normal(keras.ops.shape(x), seed=self.seed_generator))


def test_functional_construction_leaves_the_generators_as_they_were():
    # The stand-in call that infers the output shape reads the state without advancing
    # it, as Keras's symbolic tracing: the first real call draws with counter 0.
    layer = _Noisy()
    inputs = keras.Input((5,))
    model = keras.Model(inputs, layer(inputs))
    assert model.output_shape == (None, 5)
    assert layer.seed_generator.state.numpy().tolist() == [12, 0]
    x = np.ones((2, 5), "float32")
    out = _np(model(x))
    twin = random.SeedGenerator(12)
    want = _np(random.dropout(x, 0.5, seed=twin)) + _np(random.normal((2, 5), seed=twin))
    np.testing.assert_allclose(out, want, rtol=1e-6)
    assert layer.seed_generator.state.numpy().tolist() == [12, 2]


def test_dropout_with_a_seed_generator_is_differentiable():
    gen, twin = random.SeedGenerator(6), random.SeedGenerator(6)
    v = keras.Variable(np.ones((4, 5), "float32"))
    with keras.GradientTape() as tape:
        out = keras.ops.sum(random.dropout(v, 0.4, seed=gen))
    mask = _np(random.dropout(np.ones((4, 5), "float32"), 0.4, seed=twin))
    np.testing.assert_allclose(_np(tape.gradient(out, v)), mask)
    # rate=1 drops everything and still advances the generator.
    assert not _np(random.dropout(np.ones(3, "float32"), 1.0, seed=gen)).any()
    assert gen.state.numpy().tolist() == [6, 2]
