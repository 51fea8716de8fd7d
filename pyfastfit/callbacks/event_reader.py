"""A small reader of TensorBoard event files (the subset `EventFileWriter` writes)."""

import glob
import os
import struct

from pyfastfit.callbacks.event_file import masked_crc32c


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def _fields(buf):
    """(field number, wire type, value) for each field of a protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 1:
            value, i = buf[i:i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = buf[i:i + n], i + n
        elif wire == 5:
            value, i = buf[i:i + 4], i + 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield field, wire, value


def _histogram(buf):
    names = {1: "min", 2: "max", 3: "num", 4: "sum", 5: "sum_squares"}
    out = {"bucket_limit": [], "bucket": []}
    for field, wire, value in _fields(buf):
        if field in names:
            out[names[field]] = struct.unpack("<d", value)[0]
        elif field in (6, 7):
            key = "bucket_limit" if field == 6 else "bucket"
            if wire == 2:
                out[key].extend(struct.unpack(f"<{len(value) // 8}d", value))
            else:
                out[key].append(struct.unpack("<d", value)[0])
    return out


def records(path):
    """The payloads of a TFRecord file; raises ValueError on a bad checksum."""
    with open(path, "rb") as f:
        data = f.read()
    i = 0
    while i + 12 <= len(data):
        header = data[i:i + 8]
        (length,) = struct.unpack("<Q", header)
        (crc,) = struct.unpack("<I", data[i + 8:i + 12])
        if crc != masked_crc32c(header):
            raise ValueError(f"corrupt record length at byte {i} of {path}")
        payload = data[i + 12:i + 12 + length]
        (crc,) = struct.unpack("<I", data[i + 12 + length:i + 16 + length])
        if len(payload) != length or crc != masked_crc32c(payload):
            raise ValueError(f"corrupt record at byte {i} of {path}")
        yield payload
        i += 16 + length


def read_events(log_dir):
    """Every summary value in the event files of `log_dir`, in file order.

    Returns:
        A list of dicts `{"step", "wall_time", "tag", "value" | "histogram"}`.
    """
    out = []
    for path in sorted(glob.glob(os.path.join(log_dir, "events.out.tfevents.*"))):
        for payload in records(path):
            step, wall, summary = 0, 0.0, None
            for field, _, value in _fields(payload):
                if field == 1:
                    wall = struct.unpack("<d", value)[0]
                elif field == 2:
                    step = value
                elif field == 5:
                    summary = value
            if summary is None:
                continue
            for _, _, val in _fields(summary):
                item = {"step": step, "wall_time": wall}
                for field, _, v in _fields(val):
                    if field == 1:
                        item["tag"] = v.decode("utf-8")
                    elif field == 2:
                        item["value"] = struct.unpack("<f", v)[0]
                    elif field == 5:
                        item["histogram"] = _histogram(v)
                    elif field == 8:  # a string tensor (the Keras model config)
                        item["strings"] = [s.decode("utf-8") for f, _, s in _fields(v)
                                           if f == 8]
                    elif field == 9:
                        plugin = dict((f, x) for f, _, x in _fields(v)).get(1, b"")
                        item["plugin"] = dict((f, x) for f, _, x in _fields(plugin)).get(
                            1, b"").decode("utf-8")
                out.append(item)
    return out
