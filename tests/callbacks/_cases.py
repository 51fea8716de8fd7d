"""The cases recorded from Keras by make_keras_fixtures.py (shared with the tests;
imports NumPy only, and the model builder takes the keras module, so both Keras's and
pyfastfit's interpreters can read it)."""

import numpy as np

REDUCE_LR_CASES = [
    ({"factor": 0.5, "patience": 2, "cooldown": 1}, [1.0] * 7),
    ({"factor": 0.1, "patience": 0, "min_lr": 0.05, "min_delta": 0}, [1.0, 2.0, 3.0, 4.0]),
    ({"factor": 0.5, "patience": 1, "min_delta": 0.1}, [1.0, 0.95, 0.9, 0.5]),
    ({"factor": 0.2, "patience": 1, "cooldown": 2}, [5.0, 4.0, 4.0, 4.0, 3.9, 3.0, 3.0,
                                                    3.0, 3.0, 3.0]),
    ({"factor": 0.5, "patience": 0, "mode": "max"}, [1.0, 2.0, 1.5, 2.5, 2.0]),
]

EARLY_STOPPING_CASES = [
    ({"patience": 2}, [3.0, 2.0, 2.5, 2.4, 1.0]),
    ({"patience": 0}, [3.0, 2.0, 2.5]),
    ({"patience": 1}, [1.0, 1.0, 1.0]),
    ({"patience": 1, "min_delta": 0.5}, [1.0, 0.7, 0.6]),
    ({"patience": 2, "baseline": 1.0}, [2.0, 1.5, 1.6, 1.7]),
    ({"patience": 2, "baseline": 1.0}, [2.0, 1.5, 1.2, 1.1]),
    ({"patience": 0, "start_from_epoch": 2}, [1.0, 2.0, 3.0, 4.0]),
    ({"monitor": "val_accuracy", "mode": "max", "patience": 1}, [0.5, 0.4, 0.6, 0.3]),
    ({"patience": 1}, [1.0, float("nan"), float("nan")]),
]

CHECKPOINT_CASES = [
    {"filepath": "m_{epoch:02d}.weights.h5", "save_weights_only": True},
    {"filepath": "m_{epoch}_{val_loss:.1f}.keras"},
    {"filepath": "b_{epoch:02d}_{batch}.weights.h5", "save_weights_only": True,
     "save_freq": 3},
    {"filepath": "best.weights.h5", "save_weights_only": True, "save_best_only": True},
]


def fit_data():
    """((x, y), (x_val, y_val)): 64 training and 32 validation samples, 6 features."""
    rng = np.random.default_rng(7)
    x = rng.normal(size=(96, 6)).astype("float32")
    y = (x[:, 0] - x[:, 2] + 0.8 * rng.normal(size=96) > 0).astype("int64")
    return (x[:64], y[:64]), (x[64:], y[64:])


def initial_weights():
    """Fixed weights of Dense(8, relu) -> Dense(2) on 6 features."""
    rng = np.random.default_rng(11)
    return [rng.uniform(-0.6, 0.6, (6, 8)).astype("float32"), np.zeros(8, "float32"),
            rng.uniform(-0.7, 0.7, (8, 2)).astype("float32"), np.zeros(2, "float32")]


def small_model(keras, optimizer=None):
    """Dense(8, relu) -> Dense(2) on 6 features with `initial_weights()`, compiled with
    `optimizer` (default SGD(0.5)), sparse CE from logits and accuracy. `keras` is the
    module to build it with: Keras in the fixture script, pyfastfit in the tests."""
    m = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2)])
    m.set_weights(initial_weights())
    m.compile(optimizer=optimizer or keras.optimizers.SGD(0.5),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    return m
