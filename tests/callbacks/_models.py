"""Small real models and data shared by the callback tests."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config


def data(n=128, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype("int64")
    return x, y


def classifier(d=6, lr=0.05, optimizer=None, seed=1):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((d,)), keras.layers.Dense(8, activation="relu"),
                          keras.layers.Dense(2)])
    m.compile(optimizer=optimizer or keras.optimizers.SGD(lr),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    return m


@pytest.fixture(params=["fast", "eager"])
def path(request):
    """Runs the test on the fast path and on the eager path."""
    config.set_fast_path_enabled(request.param == "fast")
    return request.param


class FakeOptimizer:
    def __init__(self, lr):
        self.learning_rate = lr


class FakeModel:
    """Enough of a model for callbacks driven by hand-made logs."""

    def __init__(self, lr=0.1):
        self.stop_training = False
        self.optimizer = FakeOptimizer(lr)
        self.metrics = []
        self._weights = [np.zeros(2, np.float32)]

    def get_weights(self):
        return [w.copy() for w in self._weights]

    def set_weights(self, weights):
        self._weights = [np.array(w) for w in weights]


def drive(callback, values, key="val_loss", model=None, epochs=None, on_epoch=None):
    """Feeds `values` (one per epoch) to `callback` as `{key: v}` logs; returns the
    index of the epoch after which `stop_training` was set (or None)."""
    model = model or FakeModel()
    callback.set_model(model)
    callback.set_params({"epochs": epochs or len(values), "steps": 1, "verbose": 0})
    callback.on_train_begin()
    stopped = None
    for epoch, v in enumerate(values):
        callback.on_epoch_begin(epoch)
        model._weights = [np.full(2, epoch, np.float32)]
        callback.on_epoch_end(epoch, {key: v})
        if on_epoch:
            on_epoch(epoch, model)
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return stopped
