"""Writes the Keras 3 reference values the callback tests check pyfastfit against.

Needs Keras 3 (any backend; not a pyfastfit dependency). Run once from the repository
root with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/callbacks/make_keras_fixtures.py

It writes `tests/callbacks/fixtures/callbacks.json` (scalars, lists, file names) and
`callbacks.npz` (initial weights, data, final weights):
- reduce_lr: ReduceLROnPlateau driven by scripted `val_loss` values (no model
  training): the learning rate after each epoch, for several argument sets.
- early_stopping_scripted: EarlyStopping driven by scripted values: the epoch at which
  `stop_training` was set (or None) and `best_epoch`.
- early_stopping_fit: a real fit (fixed weights and data, SGD, shuffle=False) with
  EarlyStopping(restore_best_weights=True): epochs run, stopped/best epoch, and the
  restored weights.
- checkpoint_names: the files ModelCheckpoint wrote for filename templates with
  `{epoch:02d}`, `{batch}` and a log key, with save_freq "epoch" and an int.
- tensorboard_tags: the subdirectories, tags and steps Keras's TensorBoard wrote
  (histogram_freq=1, update_freq=2, write_steps_per_second=True; 2 epochs of 4
  steps with validation), read with the tensorboard package's EventAccumulator.
"""

import json
import os
import sys
import tempfile

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
sys.path.insert(0, HERE)

from _cases import (CHECKPOINT_CASES, EARLY_STOPPING_CASES, REDUCE_LR_CASES,  # noqa: E402
                    fit_data, small_model)


class _Opt:
    def __init__(self, lr):
        self.learning_rate = lr


class _Model:
    def __init__(self):
        self.optimizer = _Opt(1.0)
        self.metrics = []
        self.stop_training = False


def _drive(cb, values, key):
    model = _Model()
    cb.set_model(model)
    cb.on_train_begin()
    lrs, stopped = [], None
    for epoch, v in enumerate(values):
        cb.on_epoch_end(epoch, {key: v})
        lrs.append(float(model.optimizer.learning_rate))
        if model.stop_training:
            stopped = epoch
            break
    return lrs, stopped


def _model():
    return small_model(keras)


def _tensorboard_tags(x, y, xv, yv):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    with tempfile.TemporaryDirectory() as d:
        m = _model()
        m.fit(x, y, batch_size=16, epochs=2, shuffle=False, validation_data=(xv, yv),
              verbose=0, callbacks=[keras.callbacks.TensorBoard(
                  d, histogram_freq=1, update_freq=2, write_steps_per_second=True)])
        out = {}
        for sub in sorted(os.listdir(d)):
            acc = EventAccumulator(os.path.join(d, sub), size_guidance={"tensors": 0})
            acc.Reload()
            # TF2 writes scalars and histograms as tensors tagged with their plugin.
            out[sub] = {t: {"plugin": acc.SummaryMetadata(t).plugin_data.plugin_name,
                            "steps": [e.step for e in acc.Tensors(t)]}
                        for t in acc.Tags()["tensors"]}
        return out


def main():
    os.makedirs(OUT, exist_ok=True)
    out = {"keras_version": keras.__version__, "reduce_lr": [], "early_stopping_scripted": []}
    arrays = {}
    for kwargs, values in REDUCE_LR_CASES:
        lrs, _ = _drive(keras.callbacks.ReduceLROnPlateau(**kwargs), values, "val_loss")
        out["reduce_lr"].append({"kwargs": kwargs, "values": values, "lrs": lrs})
    for kwargs, values in EARLY_STOPPING_CASES:
        cb = keras.callbacks.EarlyStopping(**kwargs)
        _, stopped = _drive(cb, values, kwargs.get("monitor", "val_loss"))
        out["early_stopping_scripted"].append({"kwargs": kwargs, "values": values,
                                               "stopped": stopped,
                                               "best_epoch": cb.best_epoch})
    (x, y), (xv, yv) = fit_data()
    m = _model()
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                       restore_best_weights=True)
    h = m.fit(x, y, batch_size=16, epochs=30, shuffle=False, validation_data=(xv, yv),
              callbacks=[es], verbose=0)
    out["early_stopping_fit"] = {"epochs_run": len(h.history["loss"]),
                                 "stopped_epoch": es.stopped_epoch,
                                 "best_epoch": es.best_epoch,
                                 "val_loss": h.history["val_loss"]}
    for i, w in enumerate(m.get_weights()):
        arrays[f"es_restored_{i}"] = w
    out["checkpoint_names"] = []
    for kwargs in CHECKPOINT_CASES:
        with tempfile.TemporaryDirectory() as d:
            kw = dict(kwargs)
            kw["filepath"] = os.path.join(d, kw["filepath"])
            m = _model()
            m.fit(x, y, batch_size=16, epochs=3, shuffle=False, validation_data=(xv, yv),
                  callbacks=[keras.callbacks.ModelCheckpoint(**kw)], verbose=0)
            out["checkpoint_names"].append({"kwargs": kwargs,
                                            "files": sorted(os.listdir(d))})
    out["tensorboard_tags"] = _tensorboard_tags(x, y, xv, yv)
    with open(os.path.join(OUT, "callbacks.json"), "w") as f:
        json.dump(out, f, indent=1)
    np.savez(os.path.join(OUT, "callbacks.npz"), **arrays)


if __name__ == "__main__":
    main()
