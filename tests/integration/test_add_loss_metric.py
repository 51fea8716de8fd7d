"""add_loss / add_metric from layers inside real models reach the logs."""

import numpy as np
import pytest

keras = pytest.importorskip("pyfastfit")
layers = pytest.importorskip("pyfastfit.layers")
pytest.importorskip("pyfastfit.models")
pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from pyfastfit import ops  # noqa: E402


class ActivityPenalty(layers.Layer):
    def call(self, inputs):
        self.add_loss(0.1 * ops.mean(ops.square(inputs)))
        self.add_metric(ops.mean(inputs), name="mean_activation")
        return inputs


def _model():
    inputs = keras.Input(shape=(4,))
    x = layers.Dense(8, activation="relu")(inputs)
    x = ActivityPenalty()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def _data(n=64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, np.argmax(x[:, :3], axis=1)


def test_add_loss_and_add_metric_logged():
    x, y = _data()
    model = _model()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    h = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y), verbose=0)
    assert list(h.history) == ["loss", "mean_activation", "val_loss",
                               "val_mean_activation"]
    # The total loss includes the activity penalty.
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    probs = model.predict(x, verbose=0)
    ce = -np.mean(np.log(probs[np.arange(64), y]))
    assert logs["loss"] > ce


def test_add_loss_only_functional_model():
    x, _ = _data()
    inputs = keras.Input(shape=(4,))
    outputs = ActivityPenalty()(layers.Dense(8)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd")
    h = model.fit(x, epochs=2, batch_size=16, verbose=0)
    assert "loss" in h.history and h.history["loss"][1] < h.history["loss"][0]
