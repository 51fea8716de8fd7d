"""BackupAndRestore: a fit killed with SIGKILL (mid-epoch, or while writing a backup)
resumes from the last backup and ends with the uninterrupted run's weights."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._models import classifier, data, path  # noqa: F401

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_resume_script.py")
BR = keras.callbacks.BackupAndRestore


def _run(tmp_path, name, save_freq, fast, kill_at=0, mode="step"):
    out = tmp_path / f"{name}.npz"
    proc = subprocess.run([sys.executable, SCRIPT, str(tmp_path / "backup"), str(out),
                           str(save_freq), "1" if fast else "0", str(kill_at), mode],
                          capture_output=True, text=True, timeout=120)
    return proc, out


def _weights(out):
    with np.load(out) as f:
        return [f[f"arr_{i}"] for i in range(4)], int(f["iterations"]), list(f["epochs"])


@pytest.mark.slow  # three subprocesses each
@pytest.mark.parametrize("save_freq,kill_at,mode,fast", [
    (3, 7, "step", True),       # mid-epoch 1 (4 steps per epoch): resumes after step 6
    (3, 7, "step", False),
    ("epoch", 6, "step", True),  # resumes at epoch 1's start
    (3, 2, "backup", True),     # killed writing backup 2: backup 1 (step 3) is used
], ids=["batch-fast", "batch-eager", "epoch-fast", "in-backup-fast"])
def test_killed_fit_resumes_to_the_uninterrupted_weights(tmp_path, save_freq, kill_at,
                                                         mode, fast):
    proc, ref_out = _run(tmp_path, "ref", save_freq, fast)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "backup").exists()  # deleted after a normal end
    proc, out = _run(tmp_path, "killed", save_freq, fast, kill_at, mode)
    assert proc.returncode == -signal.SIGKILL and not out.exists()
    backup = tmp_path / "backup"
    meta = json.loads((backup / "training_metadata.json").read_text())
    assert (backup / meta["weights"]).exists()
    proc, out = _run(tmp_path, "resumed", save_freq, fast)
    assert proc.returncode == 0, proc.stderr
    ref, ref_it, ref_epochs = _weights(ref_out)
    got, got_it, got_epochs = _weights(out)
    assert got_it == ref_it == 12
    assert got_epochs == ref_epochs[meta["epoch"]:]
    for a, b in zip(ref, got):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not backup.exists()


def test_backup_files_and_metadata(tmp_path, path):
    x, y = data(64)
    m = classifier()
    d = tmp_path / "b"
    cb = BR(str(d), save_freq=1, delete_checkpoint=False, double_checkpoint=True)
    m.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[cb])
    meta = json.loads((d / "training_metadata.json").read_text())
    assert meta == {"epoch": 2, "step": 0, "weights": "backup-4.weights.h5", "count": 4}
    prev = json.loads((d / "training_metadata.json.bkp").read_text())
    assert prev["weights"] == "backup-3.weights.h5" and prev["step"] == 1
    assert sorted(p.name for p in d.iterdir()) == [
        "backup-3.weights.h5", "backup-4.weights.h5", "training_metadata.json",
        "training_metadata.json.bkp"]
    # A new fit with the finished backup runs no epoch and keeps the weights.
    w = m.get_weights()
    h = m.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[BR(str(d))])
    assert h.epoch == [] and not d.exists()
    for a, b in zip(w, m.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_double_checkpoint_falls_back_to_previous(tmp_path):
    x, y = data(64)
    m = classifier()
    d = tmp_path / "b"
    m.fit(x, y, batch_size=32, epochs=2, verbose=0, callbacks=[
        BR(str(d), delete_checkpoint=False, double_checkpoint=True)])
    meta = json.loads((d / "training_metadata.json").read_text())
    (d / meta["weights"]).write_bytes(b"garbage")
    m2 = classifier()
    h = m2.fit(x, y, batch_size=32, epochs=3, verbose=0, callbacks=[
        BR(str(d), double_checkpoint=True)])
    assert h.epoch == [1, 2]  # resumed from the epoch-1 backup
    m3 = classifier()
    m.fit(x, y, batch_size=32, epochs=1, verbose=0, callbacks=[
        BR(str(d), delete_checkpoint=False)])
    meta = json.loads((d / "training_metadata.json").read_text())
    (d / meta["weights"]).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="truncated or corrupt"):
        m3.fit(x, y, epochs=1, verbose=0, callbacks=[BR(str(d))])


def test_argument_errors():
    with pytest.raises(ValueError, match="Empty `backup_dir`"):
        BR("")
    with pytest.raises(ValueError, match="save_freq=batch"):
        BR("/tmp/x", save_freq="batch")
    m = keras.Sequential([keras.layers.Dense(2)])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="must be built before you call `fit\\(\\)`"):
        m.fit(np.zeros((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0,
              callbacks=[BR("/tmp/never-created")])
