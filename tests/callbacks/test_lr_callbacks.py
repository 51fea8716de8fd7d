"""ReduceLROnPlateau and LearningRateScheduler: Keras 3's rules, messages, and the
new rate taking effect at the next step on both paths."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._models import FakeModel, classifier, data, drive, path  # noqa: F401

RLR = keras.callbacks.ReduceLROnPlateau


def _lrs(cb, values, lr=1.0):
    model = FakeModel(lr)
    seen = []
    drive(cb, values, model=model,
          on_epoch=lambda e, m: seen.append(float(m.optimizer.learning_rate)))
    return seen


def test_factor_and_kwargs_errors():
    with pytest.raises(ValueError, match="factor >= 1.0. Received factor=1.5"):
        RLR(factor=1.5)
    with pytest.raises(ValueError, match="epsilon"):
        RLR(epsilon=1e-3)


def test_missing_monitor_warns_when_absent():
    cb = RLR(monitor="val_acc", mode="max")
    with pytest.warns(UserWarning, match="Available metrics are: val_loss,learning_rate"):
        _lrs(cb, [1.0])


def test_reduce_message(capsys):
    _lrs(RLR(factor=0.5, patience=0, verbose=1), [1.0, 2.0])
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n")


def test_scheduler_sets_rate_and_logs_it(path, capsys):
    x, y = data()
    m = classifier(lr=0.1)
    sched = keras.callbacks.LearningRateScheduler(
        lambda epoch, lr: lr if epoch < 1 else lr * 0.5, verbose=1)
    h = m.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert h.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    out = capsys.readouterr().out
    assert "\nEpoch 2: LearningRateScheduler setting learning rate to 0.05" in out
    if path == "fast":
        assert m.fast_path_reason is None


def test_scheduler_old_api_and_bad_output():
    m = FakeModel(0.1)
    cb = keras.callbacks.LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))
    drive(cb, [1.0, 1.0], model=m)
    assert m.optimizer.learning_rate == pytest.approx(0.02)
    bad = keras.callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    with pytest.raises(ValueError, match="should be a float. Got: fast"):
        drive(bad, [1.0])
    with pytest.raises(ValueError, match="schedule"):
        keras.callbacks.LearningRateScheduler(0.1)


def test_new_rate_applies_from_the_next_step(path):
    """A rate set at the end of a batch is used by the following step: with rate 0
    from epoch 2 on, the weights stop moving exactly there."""
    x, y = data(64)
    m = classifier(lr=0.1)
    snaps = []

    class Freeze(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snaps.append([w.copy() for w in self.model.get_weights()])
            if epoch == 0:
                self.model.optimizer.learning_rate = 0.0

    m.fit(x, y, epochs=3, batch_size=16, verbose=0, shuffle=False, callbacks=[Freeze()])
    moved = any(not np.array_equal(a, b) for a, b in zip(snaps[0], m.get_weights()))
    assert not moved
    if path == "fast":
        assert m.fast_path_reason is None


def test_eager_and_fast_lr_sequences_agree():
    from pyfastfit import config

    x, y = data()
    histories = []
    for fast in (True, False):
        config.set_fast_path_enabled(fast)
        m = classifier(lr=0.5)
        cb = RLR(monitor="loss", factor=0.5, patience=0, min_delta=0.05)
        histories.append(m.fit(x, y, epochs=5, verbose=0, callbacks=[cb]).history)
    assert histories[0]["learning_rate"] == histories[1]["learning_rate"]
    np.testing.assert_allclose(histories[0]["loss"], histories[1]["loss"], rtol=1e-4)
