"""Callbacks against numbers recorded once from Keras 3 (make_keras_fixtures.py)."""

import json
import math
import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._cases import fit_data, small_model
from tests.callbacks._models import FakeModel, drive, path  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "callbacks.json")) as _f:
    FIX = json.load(_f)
ARRAYS = np.load(os.path.join(HERE, "fixtures", "callbacks.npz"))


@pytest.mark.parametrize("case", FIX["reduce_lr"], ids=lambda c: str(c["kwargs"]))
def test_reduce_lr_sequence_matches_keras(case):
    model = FakeModel(1.0)
    seen = []
    drive(keras.callbacks.ReduceLROnPlateau(**case["kwargs"]), case["values"],
          model=model, on_epoch=lambda e, m: seen.append(float(m.optimizer.learning_rate)))
    assert seen == pytest.approx(case["lrs"], rel=1e-6)


@pytest.mark.parametrize("case", FIX["early_stopping_scripted"],
                         ids=lambda c: f"{c['kwargs']}-{c['values']}")
def test_early_stopping_epoch_matches_keras(case):
    values = [float("nan") if isinstance(v, float) and math.isnan(v) else v
              for v in case["values"]]
    cb = keras.callbacks.EarlyStopping(**case["kwargs"])
    stopped = drive(cb, values, key=case["kwargs"].get("monitor", "val_loss"))
    assert stopped == case["stopped"]
    assert cb.best_epoch == case["best_epoch"]


def _model():
    return small_model(keras)


def test_early_stopping_fit_matches_keras(path):
    ref = FIX["early_stopping_fit"]
    (x, y), (xv, yv) = fit_data()
    m = _model()
    es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                       restore_best_weights=True)
    h = m.fit(x, y, batch_size=16, epochs=30, shuffle=False, validation_data=(xv, yv),
              callbacks=[es], verbose=0)
    np.testing.assert_allclose(h.history["val_loss"], ref["val_loss"], rtol=1e-4)
    assert len(h.history["loss"]) == ref["epochs_run"]
    assert (es.stopped_epoch, es.best_epoch) == (ref["stopped_epoch"], ref["best_epoch"])
    for i, w in enumerate(m.get_weights()):
        np.testing.assert_allclose(w, ARRAYS[f"es_restored_{i}"], rtol=1e-4, atol=1e-5)
    if path == "fast":
        assert m.fast_path_reason is None


def test_tensorboard_layout_tags_and_steps_match_keras(tmp_path, path):
    from pyfastfit.callbacks.event_reader import read_events

    ref = FIX["tensorboard_tags"]
    (x, y), (xv, yv) = fit_data()
    m = _model()
    m.fit(x, y, batch_size=16, epochs=2, shuffle=False, validation_data=(xv, yv),
          verbose=0, callbacks=[keras.callbacks.TensorBoard(
              str(tmp_path), histogram_freq=1, update_freq=2,
              write_steps_per_second=True)])
    assert sorted(os.listdir(tmp_path)) == sorted(ref)
    for sub, tags in ref.items():
        got = {}
        for e in read_events(str(tmp_path / sub)):
            got.setdefault(e["tag"], []).append(e["step"])

        def plain(d):  # weight paths hold auto-generated model/layer names
            return {t: v for t, v in d.items() if not t.endswith("/histogram")}

        def hists(d):
            return sorted((t.split("/")[-2], tuple(v)) for t, v in d.items()
                          if t.endswith("/histogram"))

        want = {t: v["steps"] for t, v in tags.items()}
        assert plain(got) == plain(want)
        assert hists(got) == hists(want)
