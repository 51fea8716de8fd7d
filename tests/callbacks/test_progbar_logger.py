"""ProgbarLogger output of fit / evaluate / predict in Keras's format."""

import re

import pytest

pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

from tests.trainers._fakes import TinyModel, classification_data  # noqa: E402

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _clean(text):
    return ANSI.sub("", text).replace("\b", "")


def _model():
    m = TinyModel()
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
              metrics=["sparse_categorical_accuracy"])
    return m


def test_fit_verbose_1(capsys):
    x, y = classification_data(n=64)
    _model().fit(x, y, epochs=2, batch_size=32, validation_data=(x, y))
    out = _clean(capsys.readouterr().out)
    assert out.startswith("Epoch 1/2\n")
    assert "Epoch 2/2\n" in out
    finals = [seg for seg in out.split("\r") if seg.endswith("\n") and "/2 " in seg]
    assert len(finals) == 2
    assert re.match(
        r"2/2 ━{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - "
        r"sparse_categorical_accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - "
        r"val_sparse_categorical_accuracy: \d\.\d{4}\s*\n",
        finals[0].replace("Epoch 2/2\n", "")), finals[0]


def test_fit_single_epoch_has_no_header(capsys):
    x, y = classification_data(n=32)
    _model().fit(x, y, verbose=1)
    assert "Epoch" not in capsys.readouterr().out


def test_fit_verbose_2(capsys):
    x, y = classification_data(n=64)
    _model().fit(x, y, epochs=2, batch_size=32, verbose=2)
    lines = _clean(capsys.readouterr().out).splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2"
    assert re.fullmatch(r"2/2 - \d+s - \d+(us|ms|s)/step - loss: \d\.\d{4} - "
                        r"sparse_categorical_accuracy: \d\.\d{4}", lines[1]), lines[1]


def test_verbose_0_silent(capsys):
    x, y = classification_data(n=32)
    m = _model()
    m.fit(x, y, epochs=2, verbose=0)
    m.evaluate(x, y, verbose=0)
    m.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_evaluate_and_predict_bars(capsys):
    x, y = classification_data(n=64)
    m = _model()
    m.evaluate(x, y, batch_size=32)
    out = _clean(capsys.readouterr().out)
    assert re.search(r"2/2 ━{20} \d+s \d+(us|ms|s)/step - loss: \d\.\d{4} - "
                     r"sparse_categorical_accuracy: \d\.\d{4}\s*\n$", out), out
    m.predict(x, batch_size=32)
    out = _clean(capsys.readouterr().out)
    assert re.search(r"2/2 ━{20} \d+s \d+(us|ms|s)/step\s*\n$", out), out
