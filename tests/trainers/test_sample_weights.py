"""sample_weight and class_weight change the loss exactly as in Keras."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402


def _per_sample_ce(m, x, y):
    probs = m.predict(x, verbose=0)
    return -np.log(probs[np.arange(len(y)), y])


def _model():
    m = TinyModel()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
              weighted_metrics=["sparse_categorical_accuracy"],
              metrics=["sparse_categorical_accuracy"])
    return m


@pytest.mark.parametrize("batch_size", [40, 16])
def test_sample_weight_evaluate(batch_size):
    x, y = classification_data(n=40)
    sw = np.random.default_rng(1).uniform(0, 2, 40).astype(np.float32)
    m = _model()
    ce = _per_sample_ce(m, x, y)
    # Keras: each batch's loss is sum(w * l) / batch_size; the epoch value is the
    # batch-size-weighted mean of batch losses.
    expected = sum(np.sum(sw[i:i + batch_size] * ce[i:i + batch_size])
                   for i in range(0, 40, batch_size)) / 40
    got = m.evaluate(x, y, sample_weight=sw, batch_size=batch_size, verbose=0,
                     return_dict=True)
    assert got["loss"] == pytest.approx(expected, rel=1e-5)
    hit = (np.argmax(m.predict(x, verbose=0), -1) == y).astype(np.float64)
    assert got["sparse_categorical_accuracy"] == pytest.approx(hit.mean(), rel=1e-6)
    assert got["weighted_sparse_categorical_accuracy"] == pytest.approx(
        np.sum(hit * sw) / np.sum(sw), rel=1e-5)


def test_class_weight_fit_equals_sample_weight_fit():
    x, y = classification_data(n=48)
    cw = {0: 0.5, 1: 2.0, 2: 1.0}
    sw = np.array([cw[int(c)] for c in y], np.float32)
    a, b = _model(), _model()
    ha = a.fit(x, y, class_weight=cw, epochs=2, batch_size=16, shuffle=False, verbose=0)
    hb = b.fit(x, y, sample_weight=sw, epochs=2, batch_size=16, shuffle=False, verbose=0)
    np.testing.assert_allclose(ha.history["loss"], hb.history["loss"], rtol=1e-6)
    np.testing.assert_allclose(a.predict(x, verbose=0), b.predict(x, verbose=0), rtol=1e-6)


def test_class_weight_first_batch_loss():
    x, y = classification_data(n=24)
    cw = {0: 3.0}
    m = _model()
    ce = _per_sample_ce(m, x, y)
    w = np.where(y == 0, 3.0, 1.0)
    logs = m.train_on_batch(x, y, class_weight=cw, return_dict=True)
    assert logs["loss"] == pytest.approx(np.sum(w * ce) / 24, rel=1e-5)


def test_validation_data_with_sample_weights():
    x, y = classification_data(n=32)
    sw = np.zeros(32, np.float32)
    m = _model()
    h = m.fit(x, y, validation_data=(x, y, sw), verbose=0)
    assert h.history["val_loss"] == [0.0]
