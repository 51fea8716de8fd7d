"""Every callback hook is called in Keras's order with Keras's logs."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from pyfastfit.callbacks import Callback, CallbackList, History, ProgbarLogger  # noqa: E402
from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402

HOOKS = [
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_test_begin", "on_test_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
    "on_predict_batch_begin", "on_predict_batch_end",
]


class Recorder(Callback):
    def __init__(self):
        super().__init__()
        self.calls = []
        self.logs = []


def _make_hook(name):
    def hook(self, *args, logs=None):
        self.calls.append((name, *args))
        self.logs.append((name, logs))
    return hook


for _name in HOOKS:
    setattr(Recorder, _name, _make_hook(_name))


def _model():
    m = TinyModel()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def test_fit_with_validation_order():
    x, y = classification_data(n=64)
    rec = Recorder()
    _model().fit(x, y, epochs=2, batch_size=32, validation_data=(x[:20], y[:20]),
                 callbacks=[rec], verbose=0)
    epoch = lambda e: [  # noqa: E731
        ("on_epoch_begin", e),
        ("on_train_batch_begin", 0), ("on_train_batch_end", 0),
        ("on_train_batch_begin", 1), ("on_train_batch_end", 1),
        ("on_test_begin",), ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
        ("on_test_end",), ("on_epoch_end", e)]
    assert rec.calls == [("on_train_begin",), *epoch(0), *epoch(1), ("on_train_end",)]
    logs = dict((n, lg) for n, lg in rec.logs if n in ("on_epoch_end", "on_test_end"))
    assert list(logs["on_epoch_end"]) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert list(logs["on_test_end"]) == ["accuracy", "loss"]
    batch_logs = [lg for n, lg in rec.logs if n == "on_train_batch_end"]
    assert all(set(lg) == {"accuracy", "loss"} for lg in batch_logs)
    assert all(type(v) is float for lg in batch_logs for v in lg.values())
    train_end = [lg for n, lg in rec.logs if n == "on_train_end"][0]
    assert train_end == logs["on_epoch_end"]
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert rec.model is not None


def test_evaluate_order():
    x, y = classification_data(n=40)
    rec = Recorder()
    _model().evaluate(x, y, batch_size=16, callbacks=[rec], verbose=0)
    assert rec.calls == [("on_test_begin",),
                         ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_batch_begin", 1), ("on_test_batch_end", 1),
                         ("on_test_batch_begin", 2), ("on_test_batch_end", 2),
                         ("on_test_end",)]
    assert rec.params == {"verbose": 0, "epochs": 1, "steps": 3}


def test_predict_order_and_outputs():
    x, _ = classification_data(n=40)
    rec = Recorder()
    _model().predict(x, batch_size=32, callbacks=[rec], verbose=0)
    assert rec.calls == [("on_predict_begin",),
                         ("on_predict_batch_begin", 0), ("on_predict_batch_end", 0),
                         ("on_predict_batch_begin", 1), ("on_predict_batch_end", 1),
                         ("on_predict_end",)]
    outs = [lg["outputs"] for n, lg in rec.logs if n == "on_predict_batch_end"]
    assert [o.shape for o in outs] == [(32, 3), (8, 3)]


def test_batch_aliases():
    seen = []

    class Old(Callback):
        def on_batch_begin(self, batch, logs=None):
            seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            seen.append(("end", batch, sorted(logs)))

    x, y = classification_data(n=32)
    _model().fit(x, y, batch_size=16, callbacks=[Old()], verbose=0)
    assert seen == [("begin", 0), ("end", 0, ["accuracy", "loss"]),
                    ("begin", 1), ("end", 1, ["accuracy", "loss"])]


def test_callback_list_adds_history_and_progbar_last():
    mine = Recorder()
    cbs = CallbackList([mine], add_history=True, add_progbar=True, verbose=1, epochs=1,
                       steps=1)
    assert cbs.callbacks[0] is mine
    assert isinstance(cbs.callbacks[1], History)
    assert isinstance(cbs.callbacks[2], ProgbarLogger)


def test_batch_hooks_skipped_when_not_overridden():
    class EpochOnly(Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    cbs = CallbackList([EpochOnly()], add_history=True, add_progbar=True, verbose=2,
                       epochs=1, steps=1)
    assert not cbs.has_train_batch_hooks
    assert not cbs.has_test_batch_hooks
    cbs = CallbackList([Recorder()], verbose=0, epochs=1, steps=1)
    assert cbs.has_train_batch_hooks and cbs.has_predict_batch_hooks


def test_history_object():
    x, y = classification_data(n=32)
    m = _model()
    h = m.fit(x, y, epochs=3, verbose=0)
    assert isinstance(h, History)
    assert h.epoch == [0, 1, 2] and len(h.history["loss"]) == 3
    assert h.params["epochs"] == 3 and h.model is m
