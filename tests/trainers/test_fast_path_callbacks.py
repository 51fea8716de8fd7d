"""Callbacks and progress output on the fast path: batch hooks and early stop fire as on
the eager path, epoch-level callbacks may change the learning rate, hooks may predict,
evaluate and set weights mid-epoch, and the progress bar prints the same lines."""

import re

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3, _classifier
from tests.trainers._fast_path_twins import (
    assert_close,
    assert_logs_close,
    assert_same,
    one_hot,
    record,
    state,
    twin,
)


# ---------------------------------------------------------------------- callbacks
def _floats(logs):
    return {k: float(np.asarray(v)) for k, v in (logs or {}).items()}


class Recorder(keras.callbacks.Callback):
    """Records batch/epoch hooks; sets `model.stop_training` at the `stop_at`-th
    train batch (counting across epochs)."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.stop_at = stop_at
        self.events = []
        self.train_logs = []
        self.test_logs = []
        self.predict_outputs = []

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("train_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("train_end", batch))
        self.train_logs.append(_floats(logs))
        if self.stop_at is not None and len(self.train_logs) == self.stop_at:
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(("test_end", batch))
        self.test_logs.append(_floats(logs))

    def on_predict_batch_end(self, batch, logs=None):
        self.events.append(("predict_end", batch))
        self.predict_outputs.append(np.array(logs["outputs"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, tuple(sorted(logs))))


def _assert_same_hooks(fast_cb, eager_cb):
    assert fast_cb.events == eager_cb.events
    assert len(fast_cb.train_logs) == len(eager_cb.train_logs)
    for i, (a, b) in enumerate(zip(fast_cb.train_logs, eager_cb.train_logs)):
        assert_logs_close(a, b, f"train batch {i} logs")
    for i, (a, b) in enumerate(zip(fast_cb.test_logs, eager_cb.test_logs)):
        assert_logs_close(a, b, f"test batch {i} logs")
    assert len(fast_cb.predict_outputs) == len(eager_cb.predict_outputs)
    for i, (a, b) in enumerate(zip(fast_cb.predict_outputs, eager_cb.predict_outputs)):
        assert_close(a, b, f"predict batch {i} outputs")


@pytest.mark.parametrize("stop_at", [None, 4, 13])
def test_batch_hooks_and_stop_training(stop_at):
    """Per-batch logs, hook order and the stopping step match the eager loop."""
    def run(m):
        cb = Recorder(stop_at)
        h = m.fit(X, Y3, epochs=3, batch_size=32, validation_split=0.2, callbacks=[cb],
                  verbose=0)
        rec = {"fit_reason": m.fast_path_reason, "history": dict(h.history),
               "epoch": list(h.epoch), "cb": cb}
        rec.update(state(m))
        return rec

    fast, eager = twin(lambda: _classifier(dropout=0.3), run)
    assert_same(fast, eager)
    _assert_same_hooks(fast["cb"], eager["cb"])
    n_steps = len(fast["cb"].train_logs)
    assert n_steps == (stop_at or 3 * 8)
    assert fast["iterations"] == n_steps
    assert fast["cb"].train_logs[0].keys() == {"loss", "accuracy"}


def test_test_and_predict_batch_hooks():
    def run(m):
        cb = Recorder()
        m.fit(X, Y3, epochs=1, verbose=0)
        rec = state(m)
        rec["evaluate"] = m.evaluate(X, Y3, batch_size=50, callbacks=[cb], verbose=0,
                                     return_dict=True)
        rec["eval_reason"] = m.fast_path_reason
        rec["predict"] = [m.predict(X, batch_size=64, callbacks=[cb], verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        rec["cb"] = cb
        return rec

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    _assert_same_hooks(fast["cb"], eager["cb"])
    assert [e[1] for e in fast["cb"].events if e[0] == "test_end"] == list(range(6))
    assert [e[1] for e in fast["cb"].events if e[0] == "predict_end"] == list(range(5))
    assert fast["cb"].predict_outputs[-1].shape == (300 - 4 * 64, 3)


def test_epoch_level_callbacks_changing_learning_rate():
    """A callback that changes the optimizer's learning rate between epochs."""
    class Halve(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            self.model.optimizer.learning_rate = lr * 0.5

    fast, eager = twin(lambda: _classifier(optimizer=keras.optimizers.SGD(0.2)),
                       lambda m: record(m, X, Y3, epochs=3, callbacks=[Halve()]))
    assert_same(fast, eager)


def test_steps_per_execution_same_training():
    def build():
        return _classifier(steps_per_execution=4)

    assert_same(*twin(build, lambda m: record(m, X, Y3, epochs=2)))


# ---------------------------------------------------------------------- progbar
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x08")


def _progbar_lines(text):
    """Final state of each progress-bar line (after carriage returns), ANSI-free."""
    lines = []
    for raw in _ANSI.sub("", text).split("\n"):
        last = raw.split("\r")[-1].strip()
        if last:
            lines.append(last)
    return lines


def _keys(line):
    return re.findall(r"(\w+): -?[\d.]+(?:e[-+]?\d+)?", line)


def _strip_timing(line):
    line = re.sub(r"\d+(\.\d+)?(s|ms|us)/step", "T/step", line)
    return re.sub(r"\b\d+(\.\d+)?(s|ms|us)\b", "T", line)


@pytest.mark.parametrize("with_hooks", [False, True], ids=["bar_only", "with_batch_hooks"])
@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_output_format_unchanged(verbose, with_hooks, capsys):
    y = one_hot(Y3, 3)

    def run(m):
        cbs = [Recorder()] if with_hooks else []
        m.fit(X, y, epochs=2, validation_split=0.2, verbose=verbose, callbacks=cbs)
        fit_out = capsys.readouterr().out
        m.evaluate(X, y, verbose=verbose)
        eval_out = capsys.readouterr().out
        m.predict(X, verbose=verbose)
        pred_out = capsys.readouterr().out
        return _progbar_lines(fit_out), _progbar_lines(eval_out), _progbar_lines(pred_out)

    fast, eager = twin(lambda: _classifier(loss="categorical_crossentropy",
                                           metrics=["accuracy", "mse"]), run)
    for f_lines, e_lines in zip(fast, eager):
        assert len(f_lines) == len(e_lines), (f_lines, e_lines)
        for f, e in zip(f_lines, e_lines):
            assert _keys(f) == _keys(e), (f, e)
            assert _strip_timing(f) == _strip_timing(e), (f, e)
    fit_lines = fast[0]
    assert fit_lines[0] == "Epoch 1/2"
    assert _keys(fit_lines[1]) == ["accuracy", "loss", "mse", "val_accuracy", "val_loss",
                                   "val_mse"]
    assert fit_lines[1].startswith("8/8")


# ---------------------------------------------------------------------- hooks that act
class _ActingCallback(keras.callbacks.Callback):
    """Predicts/evaluates inside hooks and rescales the weights at batch 3."""

    def __init__(self):
        super().__init__()
        self.outputs = []

    def on_train_batch_end(self, batch, logs=None):
        if batch % 3 == 0:
            self.outputs.append(self.model.predict(X[:20], verbose=0))
        if batch == 3:
            self.model.set_weights([w * 0.5 for w in self.model.get_weights()])
            kernel = self.model.layers[0].kernel
            kernel.assign(np.asarray(kernel) * 0.9)

    def on_epoch_end(self, epoch, logs=None):
        self.outputs.append(np.array(self.model.evaluate(X, Y3, verbose=0)))


def test_callbacks_that_predict_evaluate_and_set_weights_mid_epoch():
    def run(m):
        cb = _ActingCallback()
        rec = record(m, X, Y3, callbacks=[cb])
        rec["predict"] = rec["predict"] + cb.outputs
        return rec

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    assert len(fast["predict"]) == 1 + 2 * (4 + 1)  # predict at batches 0,3,6,9 + evaluate
