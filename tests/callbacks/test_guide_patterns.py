"""The patterns of Keras's "Writing your own callbacks" guide, run with pyfastfit:
a callback reading every hook's logs, early stopping at the minimum loss with weight
restoring, and a per-epoch learning-rate table (written here in our own words)."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._models import classifier, data, path  # noqa: F401


def test_hooks_see_keras_log_keys(path):
    seen = {}

    class KeysPrinter(keras.callbacks.Callback):
        def _record(self, name, logs):
            seen.setdefault(name, sorted((logs or {}).keys()))

    for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
                 "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
                 "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
                 "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
        if hook.startswith(("on_train_batch", "on_test_batch", "on_predict_batch",
                            "on_epoch")):
            setattr(KeysPrinter, hook,
                    lambda self, i, logs=None, _h=hook: self._record(_h, logs))
        else:
            setattr(KeysPrinter, hook,
                    lambda self, logs=None, _h=hook: self._record(_h, logs))
    x, y = data(64)
    m = classifier()
    m.fit(x, y, batch_size=32, epochs=1, validation_split=0.5, verbose=0,
          callbacks=[KeysPrinter()])
    m.evaluate(x, y, batch_size=32, verbose=0, callbacks=[KeysPrinter()])
    m.predict(x, batch_size=32, verbose=0, callbacks=[KeysPrinter()])
    assert seen["on_train_batch_end"] == ["accuracy", "loss"]
    assert seen["on_epoch_end"] == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert seen["on_test_end"] == ["accuracy", "loss"]
    assert seen["on_predict_batch_end"] == ["outputs"]
    assert seen["on_train_begin"] == []


class StopAtMinLoss(keras.callbacks.Callback):
    """Stops when the loss has not gone down for `patience` epochs, then puts back
    the weights of the lowest loss."""

    def __init__(self, patience=0):
        super().__init__()
        self.patience = patience

    def on_train_begin(self, logs=None):
        self.wait, self.stopped_epoch, self.best = 0, 0, np.inf
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if logs["loss"] < self.best:
            self.best, self.wait = logs["loss"], 0
            self.best_weights = self.model.get_weights()
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = epoch
                self.model.stop_training = True
                self.model.set_weights(self.best_weights)


def test_custom_early_stopping_matches_the_builtin(path):
    x, y = data()
    results = []
    for cb in (StopAtMinLoss(patience=1),
               keras.callbacks.EarlyStopping(monitor="loss", patience=1,
                                             restore_best_weights=True)):
        m = classifier(lr=2.0)  # large steps: the loss goes up at some point
        h = m.fit(x, y, batch_size=16, epochs=30, shuffle=False, verbose=0,
                  callbacks=[cb])
        results.append((len(h.history["loss"]), m.get_weights()))
    assert results[0][0] == results[1][0] < 30
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_learning_rate_table_callback(path):
    table = [(0, 0.1), (2, 0.05), (3, 0.01)]

    class TableSchedule(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            lr = float(np.array(self.model.optimizer.learning_rate))
            for start, value in table:
                if epoch >= start:
                    lr = value
            self.model.optimizer.learning_rate = lr

    lrs = []
    x, y = data(64)
    m = classifier(lr=1.0)
    m.fit(x, y, epochs=4, verbose=0, callbacks=[
        TableSchedule(), keras.callbacks.LambdaCallback(
            on_epoch_end=lambda e, logs: lrs.append(
                float(np.array(m.optimizer.learning_rate))))])
    assert lrs == pytest.approx([0.1, 0.1, 0.05, 0.01])
