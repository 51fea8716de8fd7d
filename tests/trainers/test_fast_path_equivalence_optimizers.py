"""Fast path vs eager path, per optimizer: with one seed, N steps give the same weights,
optimizer state, losses and metrics to float32 round-off for each optimizer, its options
(momentum, clipping, weight decay) and learning-rate schedules, built-in or user-written."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3
from tests.trainers._fast_path_twins import (
    assert_same,
    mlp,
    record,
    twin,
)

O = keras.optimizers
S = keras.optimizers.schedules


# ---------------------------------------------------------------------- optimizers
OPTIMIZERS = {
    "sgd": lambda: O.SGD(0.05),
    "sgd_momentum": lambda: O.SGD(0.05, momentum=0.9),
    "sgd_nesterov": lambda: O.SGD(0.05, momentum=0.9, nesterov=True),
    "sgd_weight_decay": lambda: O.SGD(0.05, weight_decay=0.01),
    "rmsprop": lambda: O.RMSprop(0.01),
    "rmsprop_centered_momentum": lambda: O.RMSprop(0.01, momentum=0.5, centered=True),
    "adam": lambda: O.Adam(0.01),
    "adam_amsgrad": lambda: O.Adam(0.01, amsgrad=True),
    "adamw": lambda: O.AdamW(0.01, weight_decay=0.05),
    "adagrad": lambda: O.Adagrad(0.1),
    "adamax": lambda: O.Adamax(0.01),
    "nadam": lambda: O.Nadam(0.01),
    "adam_clipnorm": lambda: O.Adam(0.01, clipnorm=0.05),
    "sgd_clipvalue": lambda: O.SGD(0.1, clipvalue=0.01),
    "rmsprop_global_clipnorm": lambda: O.RMSprop(0.01, global_clipnorm=0.05),
    "adam_exponential_decay": lambda: O.Adam(S.ExponentialDecay(0.02, 5, 0.8)),
    "sgd_piecewise": lambda: O.SGD(S.PiecewiseConstantDecay([6, 12], [0.1, 0.05, 0.01])),
    "adam_cosine": lambda: O.Adam(S.CosineDecay(0.02, 20)),
    "rmsprop_inverse_time": lambda: O.RMSprop(S.InverseTimeDecay(0.02, 4, 0.5)),
    "sgd_polynomial": lambda: O.SGD(S.PolynomialDecay(0.1, 15, 0.001, power=2.0)),
    "adamw_staircase": lambda: O.AdamW(S.ExponentialDecay(0.02, 4, 0.5, staircase=True)),
    "adam_hyper": lambda: O.Adam(0.01, beta_1=0.5, beta_2=0.9, epsilon=1e-3),
    "adagrad_accumulator_clip_decay": lambda: O.Adagrad(0.1, initial_accumulator_value=0.5,
                                                        clipvalue=0.05, weight_decay=0.01),
    "rmsprop_rho": lambda: O.RMSprop(0.01, rho=0.5, epsilon=1e-4),
    "adamax_weight_decay": lambda: O.Adamax(0.02, weight_decay=0.02),
    "nadam_clipnorm_schedule": lambda: O.Nadam(S.InverseTimeDecay(0.02, 5, 0.5), clipnorm=0.1),
    "adamw_amsgrad_global_clipnorm": lambda: O.AdamW(0.01, amsgrad=True, global_clipnorm=0.2),
    "sgd_nesterov_without_momentum": lambda: O.SGD(0.05, nesterov=True),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers(name):
    def build():
        return mlp(3, "softmax", optimizer=OPTIMIZERS[name](),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    fast, eager = twin(build, lambda m: record(m, X, Y3, epochs=2))
    assert_same(fast, eager)
    assert fast["iterations"] == 2 * 10


def test_adamw_excluded_from_weight_decay():
    def build():
        opt = O.AdamW(0.01, weight_decay=0.1)
        opt.exclude_from_weight_decay(var_names=["bias"])
        return mlp(3, "softmax", optimizer=opt, loss="sparse_categorical_crossentropy")

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_learning_rate_changed_between_fits():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.optimizer.learning_rate = 0.003
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(lambda: mlp(3, "softmax", optimizer=O.Adam(0.02),
                                  loss="sparse_categorical_crossentropy"), run))


# ---------------------------------------------------------------------- user schedules
class _OpsSchedule(S.LearningRateSchedule):
    """A user schedule written with ops (the step arrives as a tensor or an int)."""

    def __call__(self, step):
        return 0.05 / (1.0 + 0.1 * keras.ops.cast(step, "float32"))


class _PySchedule(S.LearningRateSchedule):
    def __call__(self, step):
        return 0.05 if int(np.asarray(step)) < 7 else 0.01


@pytest.mark.parametrize("schedule", [_OpsSchedule, _PySchedule])
def test_user_learning_rate_schedule(schedule):
    def build():
        return mlp(3, "softmax", optimizer=O.SGD(schedule(), momentum=0.5),
                   loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    assert_same(*twin(build, lambda m: record(m, X, Y3)))
