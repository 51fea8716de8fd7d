"""fit / evaluate / predict on data.Dataset, PyDataset and generators."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from pyfastfit import data, utils  # noqa: E402
from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402


def _model():
    m = TinyModel()
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["accuracy"])
    return m


def test_dataset_fit_evaluate_predict():
    x, y = classification_data(n=64)
    ds = data.Dataset.from_tensor_slices((x, y)).batch(16)
    m = _model()
    h = m.fit(ds, epochs=2, validation_data=ds, verbose=0)
    assert list(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert h.params["steps"] == 4
    assert m.evaluate(ds, verbose=0) == pytest.approx(m.evaluate(x, y, verbose=0))
    np.testing.assert_allclose(m.predict(ds, verbose=0), m.predict(x, verbose=0),
                               rtol=1e-6)


def test_dataset_with_sample_weights_matches_arrays():
    x, y = classification_data(n=32)
    sw = np.linspace(0, 2, 32).astype(np.float32)
    ds = data.Dataset.from_tensor_slices((x, y, sw)).batch(8)
    m = _model()
    assert m.evaluate(ds, verbose=0)[0] == pytest.approx(
        m.evaluate(x, y, sample_weight=sw, batch_size=8, verbose=0)[0], rel=1e-6)


def test_py_dataset():
    x, y = classification_data(n=40)

    class Batches(utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.ends = 0

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return x[i * 10:(i + 1) * 10], y[i * 10:(i + 1) * 10]

        def on_epoch_end(self):
            self.ends += 1

    seq = Batches()
    h = _model().fit(seq, epochs=3, verbose=0)
    assert len(h.history["loss"]) == 3 and h.params["steps"] == 4
    assert seq.ends == 3


def test_generator_with_steps_per_epoch():
    x, y = classification_data(n=64)

    def gen():
        while True:
            for i in range(0, 64, 16):
                yield x[i:i + 16], y[i:i + 16]

    m = _model()
    h = m.fit(gen(), epochs=2, steps_per_epoch=3, verbose=0)
    assert h.params["steps"] == 3 and len(h.history["loss"]) == 2


def test_one_shot_generator_stops_after_running_out():
    x, y = classification_data(n=32)
    gen = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))
    h = _model().fit(gen, epochs=3, verbose=0)
    assert h.epoch == [0]


def test_dataset_rejects_y_and_validation_split():
    x, y = classification_data(n=16)
    ds = data.Dataset.from_tensor_slices((x, y)).batch(8)
    with pytest.raises(ValueError, match="`y` must not be given"):
        _model().fit(ds, y, verbose=0)
    with pytest.raises(ValueError, match="only supported for NumPy arrays"):
        _model().fit(ds, validation_split=0.5, verbose=0)


def test_unknown_steps_progbar(capsys):
    x, y = classification_data(n=32)
    gen = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))
    _model().fit(gen, verbose=1)
    out = capsys.readouterr().out
    assert "4/Unknown" in out or "4/4" in out
