"""pyfastfit -> Keras 3: a `.keras` file pyfastfit saves from a model using every conv and
pooling layer loads in Keras and predicts the same. Keras runs in a subprocess with the
interpreter named by `PFF_PEER_PYTHON` or /work/venvs/peers/bin/python; skipped without."""

import os
import subprocess

import numpy as np
import pytest

import pyfastfit as keras
from tests.layers import make_keras_conv_fixtures as fx

_SCRIPT = """
import os, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np, keras
model = keras.models.load_model(sys.argv[1])
x = np.load(sys.argv[2])
np.save(sys.argv[3], np.asarray(model.predict(x, verbose=0)))
print([type(l).__name__ for l in model.layers])
"""


def _peer_python():
    for exe in (os.environ.get("PFF_PEER_PYTHON"), "/work/venvs/peers/bin/python"):
        if exe and os.path.exists(exe):
            probe = subprocess.run([exe, "-c", "import keras"], capture_output=True,
                                   timeout=120)
            if probe.returncode == 0:
                return exe
    return None


@pytest.mark.slow
def test_pyfastfit_conv_model_loads_in_keras(tmp_path):
    exe = _peer_python()
    if exe is None:
        pytest.skip("no Keras 3 interpreter (set PFF_PEER_PYTHON)")
    keras.utils.set_random_seed(3)
    model = fx.build(keras, ("interop", fx.KERAS_FILE_INPUT, fx.KERAS_FILE_LAYERS))
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4,) + fx.KERAS_FILE_INPUT).astype("float32")
    # a few training steps so that the weights (biases included) are not the initial ones
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.standard_normal((4, 3)), epochs=2, verbose=0)
    path, x_path, out_path = (str(tmp_path / n) for n in ("m.keras", "x.npy", "out.npy"))
    model.save(path)
    np.save(x_path, x)
    run = subprocess.run([exe, "-c", _SCRIPT, path, x_path, out_path], capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert str([c for c, _ in fx.KERAS_FILE_LAYERS]) in run.stdout
    np.testing.assert_allclose(np.load(out_path), model.predict(x, verbose=0), atol=1e-5,
                               rtol=1e-5)
