"""Overridden train_step / test_step / predict_step, compute_loss, metrics property."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from pyfastfit import GradientTape, metrics, ops  # noqa: E402
from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402


class KerasTwoStyle(TinyModel):
    """The Keras 2 idiom: compiled_loss + compiled_metrics.update_state."""

    def train_step(self, data):
        x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compiled_loss(y, y_pred, regularization_losses=self.losses)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.compiled_metrics.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}


class KerasThreeStyle(TinyModel):
    """The Keras 3 idiom: compute_loss + compute_metrics."""

    def train_step(self, data):
        x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.compute_loss(y=y, y_pred=y_pred)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.counted = getattr(self, "counted", 0) + 1
        # As in the Keras 3 guide: the `loss` tracker is updated by the step.
        for metric in self.metrics:
            if metric.name == "loss":
                metric.update_state(loss)
            else:
                metric.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        x, y = data
        y_pred = self(x, training=False)
        self.compute_loss(y=y, y_pred=y_pred, training=False)
        return self.compute_metrics(x, y, y_pred)


@pytest.mark.parametrize("cls", [KerasTwoStyle, KerasThreeStyle])
def test_custom_train_step_in_fit(cls):
    x, y = classification_data(n=64)
    m = cls()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    h = m.fit(x, y, epochs=3, batch_size=16, verbose=0)
    assert set(h.history) == {"loss", "accuracy"}
    assert h.history["loss"][-1] < h.history["loss"][0]


@pytest.mark.parametrize("run_eagerly, python_runs", [(True, 8), (False, 3)])
def test_custom_step_counts_and_test_step(run_eagerly, python_runs):
    x, y = classification_data(n=64)
    m = KerasThreeStyle()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["accuracy"], run_eagerly=run_eagerly)
    m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    # Compiled (Keras's default), the step's Python runs as tf.function's trace does:
    # a warm-up call and two recordings; the other five steps are replays.
    assert m.counted == python_runs
    assert int(m.optimizer.iterations.numpy()) == 8
    logs = m.evaluate(x, y, verbose=0, return_dict=True)
    assert set(logs) == {"accuracy", "loss"}


class OwnTrackers(TinyModel):
    """Overrides `metrics`: its trackers are reset at every epoch."""

    def __init__(self):
        super().__init__()
        self.loss_tracker = metrics.Mean(name="loss")
        self.step_tracker = metrics.Mean(name="step_mean")
        self.step = 0

    @property
    def metrics(self):
        return [self.loss_tracker, self.step_tracker]

    def train_step(self, data):
        x, y = data
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = ops.mean(ops.square(y_pred - ops.one_hot(y, 3)))
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        self.step += 1
        self.loss_tracker.update_state(loss)
        self.step_tracker.update_state(float(self.step))
        return {m.name: m.result() for m in self.metrics}


def test_metrics_property_override_reset_each_epoch():
    x, y = classification_data(n=48)
    m = OwnTrackers()
    m.compile(optimizer="sgd")
    h = m.fit(x, y, epochs=2, batch_size=16, verbose=0)
    # Epoch 1 sees steps 1, 2, 3; epoch 2 sees 4, 5, 6 (reset in between).
    assert h.history["step_mean"] == pytest.approx([2.0, 5.0])
    assert m.metrics_names == ["loss", "step_mean"]


def test_custom_predict_step():
    class Two(TinyModel):
        def predict_step(self, data):
            # Arrays without targets: `data` is x itself, as in Keras (not `(x,)`).
            x = data
            y = self(x, training=False)
            return {"probs": y, "top": ops.argmax(y, axis=-1)}

    x, _ = classification_data(n=40)
    m = Two()
    out = m.predict(x, batch_size=16, verbose=0)
    assert set(out) == {"probs", "top"}
    assert out["probs"].shape == (40, 3) and out["top"].shape == (40,)
    np.testing.assert_array_equal(out["top"], np.argmax(out["probs"], -1))


def test_add_loss_only_model():
    x, _ = classification_data(n=32)
    m = TinyModel(add_loss=0.5)
    m.compile(optimizer="sgd")
    pred = m.predict(x, verbose=0)
    expected = 0.5 * np.mean(pred ** 2)
    assert m.evaluate(x, batch_size=32, verbose=0) == pytest.approx(expected, rel=1e-5)
    h = m.fit(x, epochs=2, batch_size=8, verbose=0)
    assert list(h.history) == ["loss"]
    assert h.history["loss"][1] < h.history["loss"][0]


def test_add_loss_added_to_compiled_loss():
    x, y = classification_data(n=32)
    m = TinyModel(add_loss=2.0)
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    pred = m.predict(x, verbose=0)
    ce = -np.mean(np.log(pred[np.arange(32), y]))
    assert m.evaluate(x, y, batch_size=32, verbose=0) == pytest.approx(
        ce + 2.0 * np.mean(pred ** 2), rel=1e-5)


@pytest.mark.parametrize("with_training", [True, False])
def test_compute_loss_override(with_training):
    calls = []

    if with_training:
        class M(TinyModel):
            def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                             training=True):
                calls.append(training)
                return ops.mean(ops.square(y_pred))
    else:
        class M(TinyModel):
            def compute_loss(self, x, y, y_pred, sample_weight):
                calls.append(None)
                return ops.mean(ops.square(y_pred))

    x, y = classification_data(n=32)
    m = M()
    m.compile(optimizer="sgd")
    m.fit(x, y, batch_size=16, verbose=0)
    m.evaluate(x, y, batch_size=32, verbose=0)
    assert calls == ([True, True, False] if with_training else [None, None, None])


def test_fit_without_targets_hands_train_step_the_inputs_themselves():
    """fit(x) with no y: a custom train_step gets `data` as x itself, not `(x,)` (Keras's
    pack_x_y_sample_weight; the VAE guide reads `self.encoder(data)`); a tuple of
    several inputs comes wrapped, so it is not read as `(x, y)`."""
    import pyfastfit as keras

    seen = []

    class Recorder(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            seen.append(data)
            return {}

    x = np.ones((8, 3), np.float32)
    model = Recorder()
    model.compile(optimizer="sgd")
    model.fit(x, batch_size=4, epochs=1, verbose=0)
    assert len(seen) == 2
    assert all(not isinstance(d, (tuple, list)) and tuple(d.shape) == (4, 3) for d in seen)
    seen.clear()
    model.fit((x, x), batch_size=8, epochs=1, verbose=0)
    assert isinstance(seen[0], tuple) and len(seen[0]) == 1 and len(seen[0][0]) == 2
