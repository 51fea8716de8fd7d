"""TensorBoard event files without TensorFlow: TFRecord framing (masked CRC32C) and
hand-encoded `Event` / `Summary` protobufs for scalars and histograms.

Only the protobuf fields TensorBoard reads for scalars (`simple_value`) and
histograms (`HistogramProto`) are written; `read_events` parses the same subset back
(for tests and for users without the `tensorboard` package).
"""

import os
import socket
import struct
import time

import numpy as np


def _crc32c_table():
    table = []
    for i in range(256):
        crc = i
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    """CRC-32C (Castagnoli) of `data` (bytes)."""
    crc = 0xFFFFFFFF
    table = _TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# ---------------------------------------------------------------- protobuf encoding
def _varint(n):
    n &= (1 << 64) - 1  # negative int64s are ten-byte two's complement varints
    out = bytearray()
    while True:
        bits = n & 0x7F
        n >>= 7
        if n:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field, wire):
    return _varint((field << 3) | wire)


def _bytes_field(field, payload):
    return _key(field, 2) + _varint(len(payload)) + payload


def _double_field(field, value):
    return _key(field, 1) + struct.pack("<d", value)


def _float_field(field, value):
    return _key(field, 5) + struct.pack("<f", value)


def _packed_doubles(field, values):
    return _bytes_field(field, struct.pack(f"<{len(values)}d", *values))


def histogram_proto(values, bins=30):
    """A `HistogramProto` of `values` (min, max, num, sum, sum_squares, buckets)."""
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (_double_field(1, 0.0) + _double_field(2, 0.0) + _double_field(3, 0.0)
                + _double_field(4, 0.0) + _double_field(5, 0.0))
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        edges = np.array([lo - 0.5, hi + 0.5])
    else:
        edges = np.linspace(lo, hi, bins + 1)
    counts, edges = np.histogram(v, bins=edges)
    return (_double_field(1, lo) + _double_field(2, hi) + _double_field(3, float(v.size))
            + _double_field(4, float(v.sum())) + _double_field(5, float((v * v).sum()))
            + _packed_doubles(6, [float(e) for e in edges[1:]])
            + _packed_doubles(7, [float(c) for c in counts]))


def _summary_value(tag, simple_value=None, histo=None):
    body = _bytes_field(1, tag.encode("utf-8"))
    if simple_value is not None:
        body += _float_field(2, float(simple_value))
    if histo is not None:
        body += _bytes_field(5, histo)
    return _bytes_field(1, body)  # Summary.value (repeated, field 1)


def _keras_model_value(tag, json_text):
    """A `Summary.Value` holding the model's JSON config as a string tensor with the
    `graph_keras_model` plugin metadata (what TensorBoard's graph view reads)."""
    plugin = _bytes_field(1, b"graph_keras_model") + _bytes_field(2, b"1")
    metadata = _bytes_field(1, plugin)
    tensor = _key(1, 0) + _varint(7) + _bytes_field(2, b"") + _bytes_field(
        8, json_text.encode("utf-8"))  # dtype DT_STRING, scalar shape, string_val
    body = _bytes_field(1, tag.encode("utf-8")) + _bytes_field(8, tensor) + _bytes_field(
        9, metadata)
    return _bytes_field(1, body)


def _event(step, wall_time, file_version=None, summary=None):
    out = _double_field(1, wall_time) + _key(2, 0) + _varint(int(step))
    if file_version is not None:
        out += _bytes_field(3, file_version.encode("utf-8"))
    if summary is not None:
        out += _bytes_field(5, summary)
    return out


class EventFileWriter:
    """Appends TensorBoard events to `<log_dir>/events.out.tfevents.<time>.<host>`.

    Args:
        log_dir: directory of the event file (created if missing).
        filename_suffix: appended to the file name.

    Example:

    ```python
    w = EventFileWriter("logs/train")
    w.add_scalar("epoch_loss", 0.3, step=0)
    w.close()
    ```
    """

    _counter = 0

    def __init__(self, log_dir, filename_suffix=""):
        os.makedirs(log_dir, exist_ok=True)
        EventFileWriter._counter += 1
        # The pid and a counter keep two writers of one second apart (as TF does).
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{EventFileWriter._counter}{filename_suffix}")
        self.path = os.path.join(log_dir, name)
        self._file = open(self.path, "ab")
        self._write(_event(0, time.time(), file_version="brain.Event:2"))
        self.flush()

    def _write(self, data):
        header = struct.pack("<Q", len(data))
        self._file.write(header + struct.pack("<I", masked_crc32c(header)) + data
                         + struct.pack("<I", masked_crc32c(data)))

    def add_scalar(self, tag, value, step):
        """Writes one scalar (`simple_value`) under `tag` at `step`."""
        self._write(_event(step, time.time(),
                           summary=_summary_value(tag, simple_value=value)))

    def add_histogram(self, tag, values, step, bins=30):
        """Writes a histogram of `values` (NaN/Inf ignored) under `tag` at `step`."""
        self._write(_event(step, time.time(),
                           summary=_summary_value(tag, histo=histogram_proto(values,
                                                                             bins))))

    def add_keras_model(self, tag, json_text, step=0):
        """Writes a model's JSON config for TensorBoard's graph view."""
        self._write(_event(step, time.time(), summary=_keras_model_value(tag, json_text)))

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.flush()
            self._file.close()

    @property
    def closed(self):
        return self._file.closed
