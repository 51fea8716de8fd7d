"""pyfastfit -> Keras 3: files pyfastfit saves load in Keras, predict the same and
continue training with the same next step. Runs Keras in a subprocess (`keras_check.py`)
with the interpreter named by `PFF_PEER_PYTHON`, /work/venvs/peers/bin/python, or this
one when it has Keras; skipped when none is available."""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from tests.saving import custom_objects as co

HERE = os.path.dirname(os.path.abspath(__file__))


def _peer_python():
    candidates = [os.environ.get("PFF_PEER_PYTHON"), "/work/venvs/peers/bin/python"]
    for exe in candidates:
        if exe and os.path.exists(exe):
            probe = subprocess.run([exe, "-c", "import keras, h5py"], capture_output=True,
                                   timeout=120)
            if probe.returncode == 0:
                return exe
    if importlib.util.find_spec("keras") is not None:
        return sys.executable
    return None


@pytest.mark.slow
def test_pyfastfit_files_load_in_keras(tmp_path):
    exe = _peer_python()
    if exe is None:
        pytest.skip("no Keras 3 interpreter (set PFF_PEER_PYTHON)")
    for case in co.CASES:
        model, x, y = co.build(case)
        model.fit(co.one(x), co.one(y), epochs=2, batch_size=8, shuffle=False, verbose=0)
        model.save(tmp_path / f"{case}.keras")
        pred = model.predict(co.one(x), verbose=0)
        arrays = {f"x{i}": a for i, a in enumerate(x)}
        arrays.update({f"pred{i}": p for i, p in
                       enumerate(pred if isinstance(pred, list) else [pred])})
        if case != "mlp_dropout":  # a dropout step depends on each library's RNG
            bx, by = [a[:8] * 1.5 for a in x], [a[:8] for a in y]
            model.train_on_batch(co.one(bx), co.one(by))
            arrays.update({f"bx{i}": a for i, a in enumerate(bx)})
            arrays.update({f"by{i}": a for i, a in enumerate(by)})
            arrays.update({f"next{i}": w for i, w in enumerate(model.get_weights())})
        np.savez(tmp_path / f"{case}.npz", **arrays)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([exe, os.path.join(HERE, "keras_check.py"), str(tmp_path),
                           *co.CASES], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for case in co.CASES:
        r = results[case]
        assert r["pred"] < 1e-5, (case, r)
        assert r["iterations"] == 8, (case, r)
        if r["backend"] != "numpy" and case != "mlp_dropout":
            assert r["next"] < 1e-5, (case, r)
