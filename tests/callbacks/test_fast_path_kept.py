"""Epoch-level callbacks keep the whole-epoch C++ loop; a learning rate changed by a
callback applies from the next step on both paths."""

import numpy as np

import pyfastfit as keras
from pyfastfit.callbacks import CallbackList
from pyfastfit.trainers.fast_path import loops
from tests.callbacks._models import classifier, data, path  # noqa: F401


def _epoch_callbacks(tmp_path):
    return [
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5),
        keras.callbacks.ModelCheckpoint(str(tmp_path / "m{epoch}.weights.h5"),
                                        save_weights_only=True),
        keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        keras.callbacks.ReduceLROnPlateau(patience=1),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr),
        keras.callbacks.TensorBoard(log_dir=str(tmp_path / "tb")),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
    ]


def test_epoch_callbacks_keep_the_whole_epoch_loop(tmp_path, monkeypatch):
    x, y = data(256)
    m = classifier()
    cbs = _epoch_callbacks(tmp_path)
    flags = CallbackList(cbs, model=m, verbose=0, epochs=2, steps=8)
    assert not flags.has_train_batch_hooks and not flags.has_test_batch_hooks
    calls = []
    real = loops._run_chunks

    def spy(model, callbacks, kind, num_steps, run, *args, **kwargs):
        def counted(step, n):
            calls.append((kind, step, n))
            return run(step, n)
        return real(model, callbacks, kind, num_steps, counted, *args, **kwargs)

    monkeypatch.setattr(loops, "_run_chunks", spy)
    m.fit(x, y, epochs=2, batch_size=32, verbose=0, validation_split=0.25, callbacks=cbs)
    # One C++ call per training epoch (6 steps) and per validation pass.
    assert [c for c in calls if c[0] == "train"] == [("train", 0, 6)] * 2, calls
    assert len([c for c in calls if c[0] == "test"]) == 2
    assert m.fast_path_reason is None


def test_lr_set_in_a_batch_hook_applies_at_the_next_step(path):
    x, y = data(96)
    m = classifier(lr=0.1)
    snaps = {}

    class Freeze(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            snaps[batch] = m.get_weights()
            if batch == 0:
                self.model.optimizer.learning_rate = 0.0

    m.fit(x, y, epochs=1, batch_size=32, shuffle=False, verbose=0, callbacks=[Freeze()])
    for a, b in zip(snaps[0], m.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(np.asarray(m.optimizer.learning_rate)) == 0.0
