"""compile(): identifiers, shortcut resolution and error messages."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from pyfastfit import losses, metrics, optimizers  # noqa: E402
from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402

TWO_HEADS = {"priority": (1, "sigmoid"), "department": (4, "softmax")}


def test_fit_before_compile():
    x, y = classification_data()
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before calling `fit\(\)`"):
        TinyModel().fit(x, y)
    with pytest.raises(ValueError, match=r"before calling `evaluate\(\)`"):
        TinyModel().evaluate(x, y)


def test_optimizer_by_name_and_instance():
    m = TinyModel()
    m.compile(optimizer="sgd", loss="mse")
    assert isinstance(m.optimizer, optimizers.SGD)
    opt = optimizers.Adam()
    m.compile(optimizer=opt, loss="mse")
    assert m.optimizer is opt
    assert m.loss == "mse"


def test_unknown_identifiers_raise_at_compile():
    with pytest.raises(ValueError, match="nope"):
        TinyModel().compile(loss="nope")
    with pytest.raises(ValueError, match="bad_metric"):
        TinyModel().compile(loss="mse", metrics=["bad_metric"])
    with pytest.raises(ValueError, match="metrics"):
        TinyModel().compile(loss="mse", metrics="accuracy")


def test_loss_key_for_missing_output():
    m = TinyModel(heads=TWO_HEADS, outputs="list")
    with pytest.raises(ValueError, match="key 'prio' does not correspond to any model output"):
        m.compile(loss={"prio": "mse", "department": "categorical_crossentropy"})


def test_wrong_number_of_losses():
    x = np.zeros((8, 4), np.float32)
    m = TinyModel(heads=TWO_HEADS, outputs="list")
    m.compile(loss=["mse", "mse", "mse"])
    with pytest.raises(ValueError, match="as many entries as the model has outputs"):
        m.fit(x, [np.zeros((8, 1)), np.zeros((8, 4))], verbose=0)


def test_no_loss_and_no_add_loss():
    x, y = classification_data()
    m = TinyModel()
    m.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="No loss to compute"):
        m.fit(x, y, verbose=0)


@pytest.mark.parametrize(
    "units,y,expected",
    [
        (1, np.zeros((8, 1)), "BinaryAccuracy"),
        (3, np.zeros(8, np.int64), "SparseCategoricalAccuracy"),
        (3, np.zeros((8, 1), np.int64), "SparseCategoricalAccuracy"),
        (3, np.eye(3)[np.zeros(8, int)], "CategoricalAccuracy"),
    ],
)
@pytest.mark.parametrize("name", ["accuracy", "acc"])
def test_accuracy_resolution(units, y, expected, name):
    m = TinyModel(heads={"out": (units, "sigmoid" if units == 1 else "softmax")})
    m.compile(loss="mse" if units == 1 else "crossentropy", metrics=[name])
    h = m.fit(np.zeros((8, 4), np.float32), y, verbose=0)
    assert name in h.history
    (metric,) = m.compiled_metrics.metrics
    assert isinstance(metric, getattr(metrics, expected))
    assert metric.name == name


@pytest.mark.parametrize(
    "units,y",
    [(1, np.zeros((8, 1))), (3, np.zeros(8, np.int64)), (3, np.eye(3)[np.zeros(8, int)])],
)
def test_crossentropy_shortcut(units, y):
    m = TinyModel(heads={"out": (units, "sigmoid" if units == 1 else "softmax")})
    m.compile(loss="ce")
    h = m.fit(np.zeros((8, 4), np.float32), y, verbose=0)
    assert np.isfinite(h.history["loss"][0])


def test_loss_forms():
    x, y = classification_data()
    for loss in (losses.SparseCategoricalCrossentropy(), losses.SparseCategoricalCrossentropy,
                 "sparse_categorical_crossentropy", losses.sparse_categorical_crossentropy):
        m = TinyModel()
        m.compile(optimizer="sgd", loss=loss)
        assert np.isfinite(m.evaluate(x, y, verbose=0))


def test_plain_function_loss_and_metric_names():
    from pyfastfit import ops

    def my_loss(y_true, y_pred):
        return ops.mean(ops.square(y_pred - y_true), axis=-1)

    def my_metric(y_true, y_pred):
        return ops.mean(ops.abs(y_pred - y_true), axis=-1)

    x = np.random.rand(16, 4).astype(np.float32)
    y = np.random.rand(16, 2).astype(np.float32)
    m = TinyModel(heads={"out": (2, None)})
    m.compile(optimizer="sgd", loss=my_loss, metrics=[my_metric, metrics.MeanAbsoluteError(name="m2")])
    h = m.fit(x, y, verbose=0)
    assert list(h.history) == ["loss", "m2", "my_metric"]
    pred = m.predict(x, verbose=0)
    loss, m2, mm = m.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(np.mean((pred - y) ** 2), rel=1e-5)
    assert mm == pytest.approx(np.mean(np.abs(pred - y)), rel=1e-5)
