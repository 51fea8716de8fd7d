"""TensorBoard: Keras's layout and tags in event files read back by our reader and,
where the peers' virtualenv has it, by the `tensorboard` package's EventAccumulator."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit.callbacks.event_file import EventFileWriter, crc32c, masked_crc32c
from pyfastfit.callbacks.event_reader import read_events, records
from tests.callbacks._models import classifier, data, path  # noqa: F401

PEERS = "/work/venvs/peers/bin/python"


def _by_tag(log_dir):
    out = {}
    for e in read_events(log_dir):
        out.setdefault(e["tag"], []).append(e)
    return out


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    assert masked_crc32c(b"") == 0xA282EAD8


def test_writer_reader_round_trip_and_corruption(tmp_path):
    w = EventFileWriter(str(tmp_path))
    w.add_scalar("a", 1.5, step=3)
    w.add_scalar("a", -2.0, step=2**40)
    w.add_histogram("h", np.array([0.0, 1.0, 1.0, np.nan, 3.0]), step=1)
    w.add_histogram("constant", np.full(4, 2.0), step=1)
    w.add_histogram("empty", np.zeros(0), step=1)
    w.close()
    ev = _by_tag(str(tmp_path))
    assert [(e["step"], e["value"]) for e in ev["a"]] == [(3, 1.5), (2**40, -2.0)]
    h = ev["h"][0]["histogram"]
    assert (h["min"], h["max"], h["num"], h["sum"], h["sum_squares"]) == (0, 3, 4, 5, 11)
    assert sum(h["bucket"]) == 4 and h["bucket_limit"][-1] == 3.0
    assert ev["constant"][0]["histogram"]["bucket"] == [4.0]
    assert ev["empty"][0]["histogram"]["num"] == 0
    with open(w.path, "rb") as f:
        data_ = f.read()
    with open(w.path, "wb") as f:
        f.write(data_[:-3] + bytes([data_[-3] ^ 1]) + data_[-2:])
    with pytest.raises(ValueError, match="corrupt record"):
        list(records(w.path))


def test_epoch_scalars_layout_and_fast_path(tmp_path, path):
    x, y = data()
    m = classifier()
    tb = keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=1,
                                     write_steps_per_second=True)
    h = m.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[tb])
    assert sorted(os.listdir(tmp_path)) == ["train", "validation"]
    train, val = _by_tag(str(tmp_path / "train")), _by_tag(str(tmp_path / "validation"))
    for tag in ("epoch_loss", "epoch_accuracy", "epoch_learning_rate",
                "epoch_steps_per_second"):
        assert [e["step"] for e in train[tag]] == [0, 1, 2], tag
    np.testing.assert_allclose([e["value"] for e in train["epoch_loss"]],
                               h.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([e["value"] for e in val["epoch_loss"]],
                               h.history["val_loss"], rtol=1e-6)
    assert [e["step"] for e in val["evaluation_loss_vs_iterations"]] == [3, 6, 9]
    assert train["epoch_learning_rate"][0]["value"] == pytest.approx(0.05)
    assert all(e["value"] > 0 for e in train["epoch_steps_per_second"])
    hist_tags = sorted(t for t in train if t.endswith("/histogram"))
    assert len(hist_tags) == 4 and all(len(train[t]) == 3 for t in hist_tags)
    kernel = m.layers[0].kernel
    last = train[f"{kernel.path}/histogram"][-1]["histogram"]
    assert last["num"] == 48 and last["max"] == pytest.approx(np.max(kernel.numpy()))
    assert not any(t.startswith("batch_") for t in train)
    graph = train["keras"][0]
    assert graph["step"] == 0 and graph["plugin"] == "graph_keras_model"
    assert json.loads(graph["strings"][0])["class_name"] == "Sequential"
    if path == "fast":
        assert m.fast_path_reason is None


@pytest.mark.parametrize("freq,steps", [("batch", [1, 2, 3, 4, 5, 6, 7, 8]),
                                        (3, [3, 6])])
def test_batch_scalars_every_update_freq(tmp_path, path, freq, steps):
    x, y = data(128)
    m = classifier()
    calls = []

    class Count(keras.callbacks.Callback):
        pass

    tb = keras.callbacks.TensorBoard(log_dir=tmp_path, update_freq=freq)
    orig = tb.on_train_batch_end

    def spy(batch, logs=None):
        calls.append(batch)
        orig(batch, logs)

    tb.on_train_batch_end = spy
    m.fit(x, y, epochs=2, batch_size=32, verbose=0, callbacks=[tb, Count()])
    train = _by_tag(str(tmp_path / "train"))
    assert [e["step"] for e in train["batch_loss"]] == steps
    assert "batch_accuracy" in train
    if path == "fast" and freq == 3:
        # Chunks of 3 steps, plus the epoch's last step: not one call per step.
        assert calls == [2, 3, 1, 3]
        assert m.fast_path_reason is None


def test_argument_errors():
    with pytest.raises(ValueError, match="update_freq=0"):
        keras.callbacks.TensorBoard(update_freq=0)
    with pytest.raises(ValueError, match="profile_batch=5"):
        keras.callbacks.TensorBoard(profile_batch=5)
    with pytest.raises(ValueError, match="histogram_freq=-1"):
        keras.callbacks.TensorBoard(histogram_freq=-1)


_READ = r"""
import json, sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
out = {}
for sub in ("train", "validation"):
    acc = EventAccumulator(sys.argv[1] + "/" + sub, size_guidance={"histograms": 0})
    acc.Reload()
    tags = acc.Tags()
    out[sub] = {"scalars": {t: [[e.step, e.value] for e in acc.Scalars(t)]
                            for t in tags["scalars"]},
                "histograms": {t: [e.histogram_value.num for e in acc.Histograms(t)]
                               for t in tags["histograms"]},
                "tensors": {t: [e.tensor_proto.string_val[0].decode()[:200]
                                for e in acc.Tensors(t)] for t in tags["tensors"]},
                "plugins": {t: acc.SummaryMetadata(t).plugin_data.plugin_name
                            for t in tags["tensors"]}}
print(json.dumps(out))
"""


@pytest.mark.slow  # the tensorboard package imports TensorFlow when present
@pytest.mark.skipif(not os.path.exists(PEERS), reason="no peers virtualenv")
def test_tensorboard_package_reads_our_files(tmp_path):
    probe = subprocess.run([PEERS, "-c", "import tensorboard"], capture_output=True)
    if probe.returncode:
        pytest.skip("the tensorboard package is not installed in the peers virtualenv")
    x, y = data()
    m = classifier()
    h = m.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[
        keras.callbacks.TensorBoard(log_dir=tmp_path, histogram_freq=1, update_freq=2)])
    res = subprocess.run([PEERS, "-c", _READ, str(tmp_path)], capture_output=True,
                         text=True, timeout=120, check=True)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    train, val = out["train"], out["validation"]
    assert [s for s, _ in train["scalars"]["epoch_loss"]] == [0, 1]
    np.testing.assert_allclose([v for _, v in train["scalars"]["epoch_loss"]],
                               h.history["loss"], rtol=1e-6)
    np.testing.assert_allclose([v for _, v in val["scalars"]["epoch_accuracy"]],
                               h.history["val_accuracy"], rtol=1e-6)
    assert [s for s, _ in train["scalars"]["batch_loss"]] == [2, 4, 6]
    assert "evaluation_loss_vs_iterations" in val["scalars"]
    kernel_tag = f"{m.layers[0].kernel.path}/histogram"
    assert train["histograms"][kernel_tag] == [48.0, 48.0]
    assert train["plugins"]["keras"] == "graph_keras_model"
    assert '"class_name": "Sequential"' in train["tensors"]["keras"][0]
