import re

import pytest

from pyfastfit.utils.progbar import Progbar

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _clean(text):
    return ANSI.sub("", text).replace("\b", "")


def test_verbose_1_final_line_format(capsys):
    bar = Progbar(target=10, verbose=1, interval=0.0)
    for i in range(10):
        bar.update(i + 1, [("loss", 0.5), ("acc", 0.25)])
    out = capsys.readouterr().out
    last = _clean(out).split("\r")[-1]
    assert re.fullmatch(
        r"10/10 ━{20} \d+s \d+(us|ms|s)/step - loss: 0\.5000 - acc: 0\.2500\s*\n", last
    ), repr(last)
    # Bar colours and bold counter as Keras.
    assert "\x1b[1m10/10\x1b[0m " in out
    assert "\x1b[32m" + "━" * 20 + "\x1b[0m" in out


def test_verbose_1_partial_has_eta_and_padding(capsys):
    bar = Progbar(target=4, verbose=1, interval=0.0)
    bar.update(1, [("loss", 2.0)])
    out = _clean(capsys.readouterr().out)
    assert re.search(r"1/4 ━{5}━{15} \d+s \d+(us|ms|s)/step - loss: 2\.0000$", out), out
    bar.update(2, [("loss", 4.0)])
    out = _clean(capsys.readouterr().out)
    # Values are averaged over steps: (2 + 4) / 2.
    assert "loss: 3.0000" in out


def test_verbose_2_one_line(capsys):
    bar = Progbar(target=3, verbose=2)
    bar.update(1, [("loss", 1.0)])
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""
    bar.update(3, [("loss", 0.123456)], finalize=True)
    out = capsys.readouterr().out
    assert re.fullmatch(r"3/3 - \d+s - \d+(us|ms|s)/step - loss: 0\.1235\n", out), out


def test_small_values_use_scientific_notation(capsys):
    bar = Progbar(target=1, verbose=2)
    bar.update(1, [("loss", 1e-5)])
    assert "loss: 1.0000e-05" in capsys.readouterr().out


def test_verbose_0_is_silent(capsys):
    bar = Progbar(target=2, verbose=0)
    bar.update(2, [("loss", 1.0)])
    assert capsys.readouterr().out == ""


def test_unknown_target(capsys):
    bar = Progbar(target=None, verbose=1, interval=0.0)
    bar.update(5, [("loss", 1.0)])
    assert "      5/Unknown" in _clean(capsys.readouterr().out)


@pytest.mark.parametrize(
    "seconds,text",
    [(0.0, " 0s/step"), (2.4, " 2s/step"), (0.0031, " 3ms/step"), (0.00025, " 250us/step")],
)
def test_format_time(seconds, text):
    assert Progbar._format_time(seconds, "step") == text


def test_stateful_metrics_not_averaged(capsys):
    bar = Progbar(target=2, verbose=2, stateful_metrics=["acc"])
    bar.update(1, [("acc", 1.0)])
    bar.update(2, [("acc", 0.5)], finalize=False)
    bar.update(2, [], finalize=True)
    assert "acc: 0.5000" in capsys.readouterr().out
