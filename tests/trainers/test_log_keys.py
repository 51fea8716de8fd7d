"""history / logs keys exactly as Keras 3 names them."""

import numpy as np
import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from tests.trainers._fakes import TinyModel  # noqa: E402

HEADS = {"priority": (1, "sigmoid"), "department": (4, "softmax")}
N = 32


def _data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N, 4)).astype(np.float32)
    prio = rng.uniform(size=(N, 1)).astype(np.float32)
    dept = np.eye(4, dtype=np.float32)[rng.integers(0, 4, N)]
    return x, prio, dept


def _fit(outputs, y, **compile_kw):
    x, _, _ = _data()
    m = TinyModel(heads=HEADS, outputs=outputs)
    m.compile(optimizer="rmsprop", **compile_kw)
    h = m.fit(x, y, epochs=1, batch_size=16, validation_data=(x, y), verbose=0)
    return m, h


def _with_val(keys):
    return keys + ["val_" + k for k in keys]


def test_single_output_keys():
    x, _, dept = _data()
    m = TinyModel(heads={"department": (4, "softmax")})
    m.compile(loss="categorical_crossentropy", metrics=["accuracy", "mae"])
    h = m.fit(x, dept, validation_data=(x, dept), verbose=0)
    assert list(h.history) == _with_val(["accuracy", "loss", "mae"])


@pytest.mark.parametrize("outputs", ["list", "dict"])
def test_multi_output_dict_losses_and_metrics(outputs):
    _, prio, dept = _data()
    y = {"priority": prio, "department": dept}
    m, h = _fit(outputs, y,
                loss={"priority": "mean_squared_error",
                      "department": "categorical_crossentropy"},
                metrics={"priority": ["mean_absolute_error"],
                         "department": ["accuracy"]})
    expected = ["department_accuracy", "department_loss", "loss", "priority_loss",
                "priority_mean_absolute_error"]
    assert list(h.history) == _with_val(expected)
    assert m.metrics_names == ["loss", "priority_loss", "department_loss",
                               "department_accuracy", "priority_mean_absolute_error"]


def test_multi_output_list_losses_and_list_of_lists_metrics():
    _, prio, dept = _data()
    _, h = _fit("list", [prio, dept], loss=["mse", "categorical_crossentropy"],
                metrics=[["mae"], ["accuracy", "mse"]])
    expected = ["department_accuracy", "department_loss", "department_mse", "loss",
                "priority_loss", "priority_mae"]
    assert list(h.history) == _with_val(expected)


@pytest.mark.filterwarnings("ignore:Gradients do not exist")
def test_none_skips_an_output_and_no_per_output_loss():
    _, prio, dept = _data()
    _, h = _fit("list", [prio, dept], loss=[None, "categorical_crossentropy"],
                metrics=[None, ["accuracy"]])
    assert list(h.history) == _with_val(["department_accuracy", "loss"])


def test_same_loss_for_every_output():
    _, prio, _ = _data()
    _, h = _fit("list", [prio, np.zeros((N, 4), np.float32)], loss="mse")
    assert list(h.history) == _with_val(["department_loss", "loss", "priority_loss"])


def test_loss_weights_combine_per_output_losses():
    x, prio, dept = _data()
    for weights in ([0.3, 2.0], {"priority": 0.3, "department": 2.0}):
        m = TinyModel(heads=HEADS, outputs="dict")
        m.compile(loss={"priority": "mse", "department": "categorical_crossentropy"},
                  loss_weights=weights)
        logs = m.evaluate(x, {"priority": prio, "department": dept}, batch_size=N,
                          verbose=0, return_dict=True)
        assert logs["loss"] == pytest.approx(
            0.3 * logs["priority_loss"] + 2.0 * logs["department_loss"], rel=1e-5)
        pred = m.predict(x, verbose=0)
        assert logs["priority_loss"] == pytest.approx(
            np.mean((pred["priority"] - prio) ** 2), rel=1e-5)


def test_evaluate_list_order_multi_output():
    x, prio, dept = _data()
    m = TinyModel(heads=HEADS, outputs="list")
    m.compile(loss=["mse", "categorical_crossentropy"], metrics=[["mae"], ["accuracy"]])
    values = m.evaluate(x, [prio, dept], verbose=0)
    d = m.evaluate(x, [prio, dept], verbose=0, return_dict=True)
    assert values == [pytest.approx(d[k]) for k in m.metrics_names]
    assert m.metrics_names[:3] == ["loss", "priority_loss", "department_loss"]
