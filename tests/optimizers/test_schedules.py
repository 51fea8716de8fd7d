"""Learning rate schedules vs their formulas, and serialization."""

import math

import numpy as np
import pytest

from pyfastfit.optimizers import schedules

STEPS = [0, 1, 5, 9, 10, 11, 25, 100]


def _check(s, fn):
    for step in STEPS:
        np.testing.assert_allclose(float(s(step)), fn(step), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(s._value(np.int64(step)), fn(step), rtol=1e-12)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    s = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=staircase)
    _check(s, lambda t: 0.1 * 0.5 ** (math.floor(t / 10) if staircase else t / 10))


def test_piecewise_constant():
    s = schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1])
    _check(s, lambda t: 1.0 if t <= 5 else (0.5 if t <= 10 else 0.1))
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([1, 2], [1.0])


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(cycle):
    s = schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0, cycle=cycle)

    def f(t):
        d = 10.0
        if cycle:
            d *= 1.0 if t == 0 else math.ceil(t / 10)
        else:
            t = min(t, 10)
        return (0.1 - 0.01) * (1 - t / d) ** 2 + 0.01

    _check(s, f)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay(staircase):
    s = schedules.InverseTimeDecay(0.1, 4, 0.5, staircase=staircase)
    _check(s, lambda t: 0.1 / (1 + 0.5 * (math.floor(t / 4) if staircase else t / 4)))


def test_cosine_decay():
    s = schedules.CosineDecay(0.1, 20, alpha=0.1)
    _check(s, lambda t: 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * min(t, 20) / 20)) + 0.1))


def test_cosine_decay_warmup():
    s = schedules.CosineDecay(0.0, 20, warmup_target=0.2, warmup_steps=10)

    def f(t):
        t = min(t, 30)
        if t < 10:
            return 0.2 * t / 10
        return 0.2 * 0.5 * (1 + math.cos(math.pi * (t - 10) / 20))

    _check(s, f)


@pytest.mark.parametrize("s", [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([5, 10], [1.0, 0.5, 0.1]),
    schedules.PolynomialDecay(0.1, 10, power=0.5, cycle=True),
    schedules.InverseTimeDecay(0.1, 4, 0.5),
    schedules.CosineDecay(0.1, 20, alpha=0.1, warmup_target=0.3, warmup_steps=3),
])
def test_round_trip(s):
    cfg = schedules.serialize(s)
    assert cfg["module"] == "keras.optimizers.schedules"
    again = schedules.deserialize(cfg)
    assert type(again) is type(s) and again.get_config() == s.get_config()
    assert type(s).from_config(s.get_config()).get_config() == s.get_config()
    for t in STEPS:
        assert again._value(t) == s._value(t)


def test_errors():
    with pytest.raises(ValueError, match="decay_steps` must be > 0. Received: decay_steps=0"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="Unknown learning rate schedule: 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})


def test_custom_schedule():
    class Half(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / (float(step) + 2)

        def get_config(self):
            return {}

    assert Half()._value(0) == 0.5
    again = schedules.deserialize(schedules.serialize(Half()), custom_objects={"Half": Half})
    assert isinstance(again, Half)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)
