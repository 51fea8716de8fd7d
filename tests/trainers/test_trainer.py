"""fit / evaluate / predict / *_on_batch on NumPy data (single-output models)."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402


def _model(**kw):
    m = TinyModel(**kw)
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])
    return m


def test_fit_returns_history_and_learns():
    x, y = classification_data(n=256)
    m = _model()
    before = m.evaluate(x, y, verbose=0)[0]
    h = m.fit(x, y, epochs=5, batch_size=32, verbose=0)
    assert list(h.history) == ["loss", "sparse_categorical_accuracy"]
    assert h.epoch == [0, 1, 2, 3, 4]
    assert h.params == {"verbose": 0, "epochs": 5, "steps": 8}
    assert h.model is m and m.history is h
    assert all(isinstance(v, float) for v in h.history["loss"])
    assert h.history["loss"][-1] < before


def test_validation_data_and_split_keys():
    x, y = classification_data()
    m = _model()
    h = m.fit(x, y, epochs=2, validation_data=(x[:10], y[:10]), verbose=0)
    assert list(h.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                               "val_sparse_categorical_accuracy"]
    h = m.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert set(h.history) == {"loss", "sparse_categorical_accuracy", "val_loss",
                              "val_sparse_categorical_accuracy"}


def test_validation_split_uses_the_tail():
    x, y = classification_data(n=40)
    m = _model()
    m.fit(x, y, epochs=1, validation_split=0.25, batch_size=64, shuffle=False, verbose=0)
    # After training, the validation loss equals evaluate() on the last 10 samples.
    h = m.fit(x, y, epochs=1, validation_split=0.25, batch_size=64, verbose=0)
    expected = m.evaluate(x[30:], y[30:], verbose=0)[0]
    assert h.history["val_loss"][0] == pytest.approx(expected, rel=1e-6)


def test_validation_freq():
    x, y = classification_data()
    m = _model()
    h = m.fit(x, y, epochs=4, validation_data=(x, y), validation_freq=2, verbose=0)
    assert len(h.history["loss"]) == 4 and len(h.history["val_loss"]) == 2
    h = m.fit(x, y, epochs=3, validation_data=(x, y), validation_freq=[1, 3], verbose=0)
    assert len(h.history["val_loss"]) == 2


def test_initial_epoch_and_steps_per_epoch():
    x, y = classification_data()
    m = _model()
    h = m.fit(x, y, epochs=3, initial_epoch=1, verbose=0)
    assert h.epoch == [1, 2]
    h = m.fit(x, y, epochs=1, steps_per_epoch=2, batch_size=8, verbose=0)
    assert h.params["steps"] == 2


def test_evaluate_returns_list_scalar_dict():
    x, y = classification_data()
    m = _model()
    loss, acc = m.evaluate(x, y, verbose=0)
    d = m.evaluate(x, y, verbose=0, return_dict=True)
    assert d == {"loss": pytest.approx(loss), "sparse_categorical_accuracy": pytest.approx(acc)}
    assert m.metrics_names == ["loss", "sparse_categorical_accuracy"]
    m2 = TinyModel()
    m2.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    assert isinstance(m2.evaluate(x, y, verbose=0), float)


def test_evaluate_matches_numpy_crossentropy():
    x, y = classification_data(n=50)
    m = _model()
    probs = m.predict(x, verbose=0)
    expected = -np.mean(np.log(probs[np.arange(50), y]))
    assert m.evaluate(x, y, batch_size=16, verbose=0)[0] == pytest.approx(expected, rel=1e-5)


def test_predict_concatenates_batches():
    x, _ = classification_data(n=70)
    m = _model()
    out = m.predict(x, batch_size=32, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (70, 3)
    np.testing.assert_allclose(out, np.asarray(m(x)), rtol=1e-6, atol=1e-7)


def test_predict_structures():
    x, _ = classification_data(n=20)
    heads = {"a": (2, None), "b": (1, "sigmoid")}
    m = TinyModel(heads=heads, outputs="dict")
    out = m.predict({"features": x}, batch_size=8, verbose=0)
    assert set(out) == {"a", "b"} and out["a"].shape == (20, 2) and out["b"].shape == (20, 1)
    m = TinyModel(heads=heads, outputs="list")
    out = m.predict(x, verbose=0)
    assert isinstance(out, list) and [o.shape for o in out] == [(20, 2), (20, 1)]


def test_on_batch_methods():
    x, y = classification_data(n=16)
    m = _model()
    logs = m.train_on_batch(x, y, return_dict=True)
    assert set(logs) == {"loss", "sparse_categorical_accuracy"}
    loss, acc = m.test_on_batch(x, y)
    assert isinstance(loss, float) and 0.0 <= acc <= 1.0
    assert m.predict_on_batch(x).shape == (16, 3)
    m.train_on_batch(x, y, class_weight={0: 2.0})


def test_training_flag_and_shuffle():
    x, y = classification_data(n=64)
    m = _model()
    m.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert m.calls == [True, True]
    m.calls.clear()
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    assert m.calls == [False, False, False, False]


def test_stop_training_from_callback():
    import pyfastfit

    class Stop(pyfastfit.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                self.model.stop_training = True

    x, y = classification_data(n=96)
    m = _model()
    h = m.fit(x, y, epochs=5, batch_size=16, callbacks=[Stop()], verbose=0)
    assert h.epoch == [0]


def test_train_on_batch_returns_this_batch_values():
    x, y = classification_data(n=32)
    m = _model()
    first = m.test_on_batch(x[:16], y[:16])[0]
    second = m.test_on_batch(x[16:], y[16:])[0]
    probs = m.predict(x, verbose=0)
    ce = -np.log(probs[np.arange(32), y])
    assert first == pytest.approx(ce[:16].mean(), rel=1e-5)
    assert second == pytest.approx(ce[16:].mean(), rel=1e-5)


def test_steps_in_evaluate_and_predict():
    x, y = classification_data(n=40)
    m = _model()
    assert m.predict(x, batch_size=16, steps=2, verbose=0).shape == (32, 3)
    assert m.predict(x, batch_size=16, steps=10, verbose=0).shape == (40, 3)
    full = m.evaluate(x, y, batch_size=16, verbose=0)
    assert m.evaluate(x, y, batch_size=16, steps=99, verbose=0) == pytest.approx(full)
