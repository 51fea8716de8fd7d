"""CSVLogger, TerminateOnNaN, LambdaCallback, RemoteMonitor, SwapEMAWeights."""

import csv
import http.server
import json
import threading
import urllib.parse

import numpy as np
import pytest

import pyfastfit as keras
from tests.callbacks._models import classifier, data, path  # noqa: F401


# ---------------------------------------------------------------- CSVLogger
def test_csv_logger_rows_header_and_append(tmp_path, path):
    f = tmp_path / "log.csv"
    x, y = data()
    m = classifier()
    h = m.fit(x, y, epochs=2, verbose=0, validation_split=0.25,
              callbacks=[keras.callbacks.CSVLogger(f)])
    rows = list(csv.reader(f.read_text().splitlines()))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1"]
    assert float(rows[2][2]) == pytest.approx(h.history["loss"][1], rel=1e-6)
    m.fit(x, y, epochs=1, verbose=0, validation_split=0.25,
          callbacks=[keras.callbacks.CSVLogger(f, append=True)])
    rows = list(csv.reader(f.read_text().splitlines()))
    assert len(rows) == 4 and rows[3][0] == "0"  # no second header
    if path == "fast":
        assert m.fast_path_reason is None


def test_csv_logger_separator_and_reserved_val_columns(tmp_path):
    f = tmp_path / "log.tsv"
    x, y = data()
    classifier().fit(x, y, epochs=1, verbose=0,
                     callbacks=[keras.callbacks.CSVLogger(str(f), separator="\t")])
    lines = f.read_text().splitlines()
    assert lines[0] == "epoch\taccuracy\tloss\tval_accuracy\tval_loss"
    assert lines[1].endswith("\tNA\tNA")
    with pytest.raises(ValueError, match="separator=';;'"):
        keras.callbacks.CSVLogger(f, separator=";;")


def test_csv_logger_append_to_empty_file_writes_header(tmp_path):
    f = tmp_path / "empty.csv"
    f.write_text("")
    x, y = data()
    classifier().fit(x, y, epochs=1, verbose=0,
                     callbacks=[keras.callbacks.CSVLogger(f, append=True)])
    assert f.read_text().startswith("epoch,")


# ---------------------------------------------------------------- TerminateOnNaN
def test_terminate_on_nan_eager_message_and_stop(capsys):
    from pyfastfit import config

    config.set_fast_path_enabled(False)
    x, y = data()
    x[40:] = np.nan  # the batch holding sample 40 (batch 1) has a NaN loss
    m = classifier()
    seen = []
    h = m.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN(),
                         keras.callbacks.LambdaCallback(
                             on_train_batch_end=lambda b, logs: seen.append(b))])
    assert seen == [0, 1] and len(h.history["loss"]) == 1
    assert "Batch 1: Invalid loss, terminating training" in capsys.readouterr().out


def test_terminate_on_nan_raise_error_and_finite_losses_pass():
    cb = keras.callbacks.TerminateOnNaN(raise_error=True)
    cb.on_train_batch_end(0, {"loss": 1.0})
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 3"):
        cb.on_train_batch_end(3, {"loss": float("inf")})
    assert keras.callbacks.TerminateOnNaN._fast_path_nan_stop is True


def test_terminate_on_nan_stops_training(path):
    x, y = data()
    x[40:] = np.nan
    m = classifier()
    h = m.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 1
    assert np.isnan(h.history["loss"][0])


# ---------------------------------------------------------------- LambdaCallback
def test_lambda_callback_hooks(path):
    x, y = data(64)
    events = []
    cb = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_end=lambda epoch, logs: events.append(("epoch", epoch, "loss" in logs)),
        on_train_batch_end=lambda batch, logs: events.append(batch),
        on_train_end=lambda logs: events.append("end"))
    classifier().fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[cb])
    assert events == ["begin", 0, 1, ("epoch", 0, True), 0, 1, ("epoch", 1, True), "end"]


def test_lambda_callback_epoch_only_keeps_fast_path():
    x, y = data(64)
    m = classifier()
    cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: None,
                                        on_test_batch_end=lambda b, logs: None)
    m.fit(x, y, epochs=1, verbose=0, callbacks=[cb])
    assert m.fast_path_reason is None
    assert not cb._wants_batch_hooks("train") and cb._wants_batch_hooks("test")


# ---------------------------------------------------------------- RemoteMonitor
class _Handler(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, self.headers["Content-Type"], body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.received = []
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()
    t.join()


def test_remote_monitor_form_and_json(server):
    x, y = data(64)
    m = classifier()
    m.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(root=server)])
    assert len(_Handler.received) == 2
    p, ctype, body = _Handler.received[1]
    assert p == "/publish/epoch/end/" and ctype == "application/x-www-form-urlencoded"
    sent = json.loads(urllib.parse.parse_qs(body.decode())["data"][0])
    assert sent["epoch"] == 1 and set(sent) == {"epoch", "loss", "accuracy"}
    _Handler.received = []
    m.fit(x, y, epochs=1, verbose=0, callbacks=[keras.callbacks.RemoteMonitor(
        root=server, path="/x", send_as_json=True, headers={"X-A": "1"})])
    p, ctype, body = _Handler.received[0]
    assert p == "/x" and ctype == "application/json"
    assert json.loads(body)["epoch"] == 0


def test_remote_monitor_unreachable_warns():
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    cb = keras.callbacks.RemoteMonitor(root=f"http://127.0.0.1:{port}", timeout=2)
    with pytest.warns(UserWarning, match="Could not reach RemoteMonitor root server"):
        cb.on_epoch_end(0, {"loss": 1.0})
    with pytest.raises(ValueError, match="root='ftp://x'"):
        keras.callbacks.RemoteMonitor(root="ftp://x")


# ---------------------------------------------------------------- SwapEMAWeights
def test_swap_ema_weights_evaluates_with_averages(path):
    x, y = data()
    m = classifier(optimizer=keras.optimizers.SGD(0.3, use_ema=True, ema_momentum=0.9))
    for i in range(4):  # train_on_batch never finalizes: weights and averages differ
        m.train_on_batch(x[32 * i:32 * i + 32], y[32 * i:32 * i + 32])
    raw = m.get_weights()
    averages = [np.array(v.numpy()) for v in m.optimizer._model_variables_moving_average]
    plain = m.evaluate(x, y, verbose=0)
    with_ema = m.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    for a, b in zip(raw, m.get_weights()):  # swapped back afterwards
        np.testing.assert_array_equal(a, b)
    m.set_weights(averages)
    np.testing.assert_allclose(with_ema, m.evaluate(x, y, verbose=0), rtol=1e-5)
    assert not np.allclose(plain, with_ema)
    m.set_weights(raw)
    pred = m.predict(x, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    m.set_weights(averages)
    np.testing.assert_allclose(pred, m.predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_swap_ema_requires_use_ema():
    x, y = data()
    m = classifier()
    m.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="use_ema=False"):
        m.evaluate(x, y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
