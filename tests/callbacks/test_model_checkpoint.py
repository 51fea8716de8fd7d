"""ModelCheckpoint: Keras's file names, suffix rules, save_best_only, batch saving in
chunks on the fast path, messages."""

import json
import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._cases import fit_data, small_model
from tests.callbacks._models import classifier, data, path  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "callbacks.json")) as _f:
    NAMES = json.load(_f)["checkpoint_names"]

MC = keras.callbacks.ModelCheckpoint


def _model():
    return small_model(keras)


@pytest.mark.parametrize("case", NAMES, ids=lambda c: c["kwargs"]["filepath"])
def test_file_names_match_keras(tmp_path, path, case):
    kw = dict(case["kwargs"])
    kw["filepath"] = str(tmp_path / kw["filepath"])
    (x, y), (xv, yv) = fit_data()
    m = _model()
    m.fit(x, y, batch_size=16, epochs=3, shuffle=False, validation_data=(xv, yv),
          callbacks=[MC(**kw)], verbose=0)
    assert sorted(os.listdir(tmp_path)) == case["files"]
    if path == "fast":
        assert m.fast_path_reason is None


def test_saved_weights_are_the_epoch_end_weights(tmp_path, path):
    x, y = data()
    m = classifier()
    snaps = []

    class Snap(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snaps.append(self.model.get_weights())

    m.fit(x, y, epochs=2, verbose=0, callbacks=[
        MC(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True), Snap()])
    for epoch in (1, 2):
        m.load_weights(str(tmp_path / f"w{epoch}.weights.h5"))
        for a, b in zip(m.get_weights(), snaps[epoch - 1]):
            np.testing.assert_array_equal(a, b)
    m2 = classifier()
    m.fit(x, y, epochs=1, verbose=0, callbacks=[MC(str(tmp_path / "full.keras"))])
    loaded = keras.models.load_model(str(tmp_path / "full.keras"))
    for a, b in zip(loaded.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(a, b)
    del m2


def test_batch_saves_run_in_chunks_on_fast_path(tmp_path):
    x, y = data(160)  # 5 batches of 32 per epoch; saves at global batches 3, 6, 9
    m = classifier()
    mc = MC(str(tmp_path / "b{epoch}_{batch}.weights.h5"), save_weights_only=True,
            save_freq=3)
    seen = []
    orig = mc.on_train_batch_end
    mc.on_train_batch_end = lambda batch, logs=None: (seen.append(batch),
                                                       orig(batch, logs))
    m.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[mc])
    assert sorted(os.listdir(tmp_path)) == ["b1_3.weights.h5", "b2_1.weights.h5",
                                            "b2_4.weights.h5"]
    assert seen == [2, 4, 0, 3, 4]  # hooks only at chunk ends, not every step
    assert m.fast_path_reason is None


def test_save_best_only_messages_and_threshold(tmp_path, capsys):
    x, y = data()
    m = classifier(lr=0.0)  # constant loss after the first epoch: no improvement
    f = str(tmp_path / "best.weights.h5")
    m.fit(x, y, epochs=2, verbose=0, callbacks=[MC(
        f, monitor="loss", save_best_only=True, save_weights_only=True, verbose=1,
        initial_value_threshold=0.0)])
    out = capsys.readouterr().out
    assert "\nEpoch 1: loss did not improve from 0.00000\n" in out
    assert not os.path.exists(f)
    m.fit(x, y, epochs=1, verbose=0, callbacks=[MC(
        f, monitor="loss", save_best_only=True, save_weights_only=True, verbose=1)])
    out = capsys.readouterr().out
    assert "\nEpoch 1: loss improved from None to " in out
    assert f"saving model to {f}\n" in out and "finished saving model to" in out
    with pytest.warns(UserWarning, match="Can save best model only with val_loss"):
        m.fit(x, y, epochs=1, verbose=0, callbacks=[MC(f, save_best_only=True,
                                                       save_weights_only=True)])


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="must end in `.weights.h5`.*filepath=a.h5"):
        MC("a.h5", save_weights_only=True)
    with pytest.raises(ValueError, match="must end in `.keras`.*filepath=a.txt"):
        MC("a.txt")
    with pytest.raises(ValueError, match="Unrecognized save_freq: 0"):
        MC("a.keras", save_freq=0)
    with pytest.raises(ValueError, match="Unrecognized save_freq: batch"):
        MC("a.keras", save_freq="batch")
    x, y = data(64)
    with pytest.raises(KeyError, match="Failed to format this callback filepath"):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[
            MC(str(tmp_path / "{nope}.keras"))])
    os.makedirs(tmp_path / "d.keras")
    with pytest.raises(IOError, match="non-directory filepath"):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[
            MC(str(tmp_path / "d.keras"))])


def test_most_recent_file_matching_pattern(tmp_path):
    for i, name in enumerate(["e01.keras", "e03.keras", "e02.keras"]):
        p = tmp_path / name
        p.write_text("x")
        os.utime(p, (1000 + i, 1000 + i))
    mc = MC(str(tmp_path / "e{epoch:02d}.keras"))
    found = mc._get_most_recently_modified_file_matching_pattern(
        str(tmp_path / "e{epoch:02d}.keras"))
    assert found == str(tmp_path / "e02.keras")
    assert mc._get_most_recently_modified_file_matching_pattern(
        str(tmp_path / "none" / "x{epoch}.keras")) is None


def test_background_write_error_reaches_the_caller(tmp_path, monkeypatch):
    from pyfastfit.saving import file_io

    def broken(path, mode="wb"):
        raise OSError(f"disk full writing {path}")

    monkeypatch.setattr(file_io, "atomic_write", broken)
    x, y = data(64)
    with pytest.raises(OSError, match="disk full writing"):
        classifier().fit(x, y, epochs=2, verbose=0, callbacks=[
            MC(str(tmp_path / "w.weights.h5"), save_weights_only=True)])


def test_each_epoch_file_holds_that_epochs_weights_despite_background_writes(tmp_path):
    x, y = data(256)
    m = classifier()
    snaps = []

    class Snap(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            snaps.append(self.model.get_weights())

    m.fit(x, y, epochs=4, batch_size=16, verbose=0, callbacks=[
        MC(str(tmp_path / "w{epoch}.weights.h5"), save_weights_only=True), Snap()])
    for epoch in range(1, 5):
        m.load_weights(str(tmp_path / f"w{epoch}.weights.h5"))
        for a, b in zip(m.get_weights(), snaps[epoch - 1]):
            np.testing.assert_array_equal(a, b)
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]
