"""The `.keras` file: a zip of `metadata.json`, `config.json` and `model.weights.h5`,
exactly as Keras 3 writes it, read defensively (member names, sizes, shapes and dtypes
are checked before anything is allocated or assigned)."""

import datetime
import io
import json
import os
import zipfile
import zlib

from pyfastfit.saving import file_io, serialization_lib, weights_store

_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
KERAS_VERSION = "3.15.1"  # the Keras 3 format version these files follow
# Caps on what a member may expand to (a zip bomb is refused, not inflated).
MAX_JSON_BYTES = 64 << 20
MAX_WEIGHTS_BYTES = 1 << 36


def _h5py():
    try:
        import h5py
    except ImportError as e:  # h5py is a runtime dependency; say so plainly
        raise ImportError("Saving and loading `.keras` files requires h5py: "
                          "`pip install h5py`.") from e
    return h5py


def weights_bytes(model):
    """The `model.weights.h5` content of `model`, as bytes."""
    h5py = _h5py()
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        weights_store.write(model, f)
    return buf.getvalue()


def model_config_json(model):
    """The `config.json` text of `model` (Keras 3 schema)."""
    config = serialization_lib.serialize_keras_object(model)
    return json.dumps(config, default=_json_default)


def _json_default(obj):
    import numpy as np

    if isinstance(obj, (np.generic,)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable: {obj!r}")


def save_model(model, filepath):
    """Writes `model` as a `.keras` zip, atomically (temp file + rename)."""
    config = model_config_json(model)
    metadata = json.dumps({
        "keras_version": KERAS_VERSION,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")})
    weights = weights_bytes(model)
    with file_io.atomic_write(filepath) as f:
        with zipfile.ZipFile(f, "w") as zf:
            zf.writestr(_METADATA, metadata)
            zf.writestr(_CONFIG, config)
            zf.writestr(_WEIGHTS, weights)


def _check_members(zf, filepath):
    for info in zf.infolist():
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and
                                                              name[1] == ":"):
            raise ValueError(f"Refusing to load '{filepath}': the archive member '{name}' "
                             "has an absolute path or '..' in its path.")


def _read_member(zf, name, cap, filepath):
    try:
        info = zf.getinfo(name)
    except KeyError:
        raise ValueError(f"Invalid `.keras` file '{filepath}': it has no '{name}'.") from None
    if info.file_size > cap:
        raise ValueError(f"Refusing to load '{filepath}': '{name}' expands to "
                         f"{info.file_size} bytes, more than the limit of {cap}.")
    out = bytearray()
    try:
        with zf.open(info) as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                out += chunk
                if len(out) > cap:  # the header may lie about the size
                    raise ValueError(f"Refusing to load '{filepath}': '{name}' expands to "
                                     f"more than the limit of {cap} bytes.")
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as e:
        raise ValueError(f"Invalid `.keras` file '{filepath}': could not read '{name}' "
                         f"({e}); the file may be truncated or corrupt.") from e
    return bytes(out)


def read_archive(filepath):
    """`(config dict, metadata dict, weights bytes)` of a `.keras` file, checked."""
    try:
        zf = zipfile.ZipFile(filepath, "r")
    except zipfile.BadZipFile as e:
        raise ValueError(f"The file '{filepath}' is not a valid `.keras` zip archive ({e}); "
                         "it may be truncated, corrupt, or in another format.") from e
    with zf:
        _check_members(zf, filepath)
        texts = {}
        for name in (_CONFIG, _METADATA):
            if name == _METADATA and name not in zf.namelist():
                texts[name] = b"{}"
                continue
            texts[name] = _read_member(zf, name, MAX_JSON_BYTES, filepath)
        weights = (_read_member(zf, _WEIGHTS, MAX_WEIGHTS_BYTES, filepath)
                   if _WEIGHTS in zf.namelist() else None)
    try:
        config = json.loads(texts[_CONFIG])
        metadata = json.loads(texts[_METADATA])
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"Invalid `.keras` file '{filepath}': its JSON could not be "
                         f"parsed ({e}).") from e
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Invalid `.keras` file '{filepath}': config.json does not "
                         "describe a model (no 'class_name').")
    return config, metadata, weights


def open_h5_bytes(data, filepath):
    """An `h5py.File` over in-memory bytes, with a clear error for non-HDF5 data."""
    h5py = _h5py()
    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"Invalid weights in '{filepath}': not a readable HDF5 file ({e}); "
                         "it may be truncated or corrupt.") from e


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """A model from a `.keras` file (see `pyfastfit.saving.load_model`)."""
    config, _, weights = read_archive(filepath)
    with serialization_lib.SafeModeScope(safe_mode):
        if not compile:
            config = dict(config)
            config.pop("compile_config", None)
        model = serialization_lib.deserialize_keras_object(
            config, custom_objects=custom_objects, compile=compile)
    if weights is not None:
        with open_h5_bytes(weights, filepath) as f:
            try:
                weights_store.read(model, f)
            except ValueError as e:
                raise ValueError(f"Could not load the weights of '{os.fspath(filepath)}': "
                                 f"{e}") from e
    return model
