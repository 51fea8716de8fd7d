"""Saving is atomic: a process killed at any moment of a save leaves the previous file
intact and loadable; a failed save leaves no temporary file."""

import os
import random
import signal
import time
import zipfile

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from pyfastfit.saving import file_io

def _model():
    return keras.Sequential([keras.Input((64,)), layers.Dense(256), layers.Dense(64)])


def _save_forever(path, kind, ready_fd):
    """The child: saves the model in a loop, all weights equal to the save's index."""
    model = _model()
    model.compile(optimizer="adam", loss="mse")
    k = 0
    while True:
        model.set_weights([np.full(w.shape, k, "float32") for w in model.get_weights()])
        if kind == "model":
            model.save(path)
        else:
            model.save_weights(path)
        if k == 0:
            os.write(ready_fd, b"r")
        k += 1


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.parametrize("kind", ["model", "weights"])
def test_kill_during_save_leaves_a_loadable_file(tmp_path, kind):
    # A forked child (pyfastfit already imported: a kill every few ms) saves in a loop;
    # SIGKILL lands at random moments, many times; the file must load after each kill.
    path = str(tmp_path / ("m.keras" if kind == "model" else "m.weights.h5"))
    rng = random.Random(0)
    seen = set()
    deadline = time.monotonic() + 20
    for _ in range(12):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into pytest
            try:
                os.close(read_fd)
                _save_forever(path, kind, write_fd)
            finally:
                os._exit(1)
        os.close(write_fd)
        try:
            assert os.read(read_fd, 1) == b"r", "the child failed before its first save"
            time.sleep(rng.uniform(0.0, 0.15))
        finally:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            os.close(read_fd)
        if kind == "model":
            loaded = keras.saving.load_model(path)
        else:
            loaded = _model()
            loaded.load_weights(path)
        weights = loaded.get_weights()
        value = float(weights[0].flat[0])
        assert all((w == value).all() for w in weights)  # one whole save, never a mix
        seen.add(value)
        assert time.monotonic() < deadline
    assert len(seen) > 1  # the kills landed on different saves


def test_failed_write_keeps_previous_file_and_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    model = _model()
    model.save(path)
    before = path.read_bytes()

    def broken(self, name, data, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.keras"]
    keras.saving.load_model(path)


def test_atomic_write_replaces_only_on_success(tmp_path):
    target = tmp_path / "f.bin"
    with file_io.atomic_write(target) as f:
        f.write(b"one")
    with pytest.raises(RuntimeError):
        with file_io.atomic_write(target) as f:
            f.write(b"two, half written")
            raise RuntimeError("crash")
    assert target.read_bytes() == b"one"
    assert os.listdir(tmp_path) == ["f.bin"]
    with file_io.atomic_write(target) as f:
        f.write(b"three")
    assert target.read_bytes() == b"three" and os.listdir(tmp_path) == ["f.bin"]


def test_save_weights_round_trip_exact(tmp_path):
    model = _model()
    model.set_weights([np.random.default_rng(1).normal(size=w.shape).astype("float32")
                       for w in model.get_weights()])
    model.save_weights(tmp_path / "w.weights.h5")
    other = _model()
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert os.listdir(tmp_path) == ["w.weights.h5"]
