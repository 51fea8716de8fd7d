"""Safe loading: a config is data (no code runs, no module is imported) and hostile
files get a clear error and change nothing on disk."""

import io
import json
import os
import sys
import zipfile

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from pyfastfit.saving import saving_lib, serialization_lib, weights_store


def _model():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(4), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _saved(tmp_path, name="m.keras"):
    path = tmp_path / name
    _model().save(path)
    return path


def _rewrite(src, dst, members):
    """Copies the `.keras` zip at `src` to `dst`, replacing/adding `members`."""
    with zipfile.ZipFile(src) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    content.update(members)
    with zipfile.ZipFile(dst, "w") as zf:
        for name, data in content.items():
            if data is not None:
                zf.writestr(name, data)


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_lambda_bytecode_refused_unless_unsafe(tmp_path):
    inp = keras.Input((3,))
    out = layers.Lambda(lambda x: x * 2.0 + 1.0)(inp)
    model = keras.Model(inp, out)
    model.save(tmp_path / "lam.keras")
    with pytest.raises(ValueError, match=r"Python lambda.*safe_mode=False"):
        keras.saving.load_model(tmp_path / "lam.keras")
    loaded = keras.saving.load_model(tmp_path / "lam.keras", safe_mode=False)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), x * 2 + 1)
    assert serialization_lib.in_safe_mode()  # the opt-out ended with the call


def test_lambda_config_naming_os_system_is_refused():
    # issue 9: `{"module": "os", "config": "system"}` used to return os.system
    config = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
              "config": {"name": "evil", "function": {
                  "module": "os", "class_name": "function", "config": "system",
                  "registered_name": None}}}
    with pytest.raises(ValueError, match=r"'system' of module 'os'.*refused in safe mode"):
        keras.layers.deserialize(config)
    with pytest.raises(ValueError, match="refused in safe mode"):
        keras.layers.Lambda.from_config(config["config"])
    with pytest.raises(ValueError, match="refused in safe mode"):
        keras.saving.deserialize_keras_object(config["config"]["function"])
    # a module that is not imported yet is not imported by the attempt
    sys.modules.pop("antigravity", None)
    with pytest.raises(ValueError, match="refused in safe mode"):
        keras.saving.deserialize_keras_object(
            {"module": "antigravity", "class_name": "function", "config": "geohash"})
    assert "antigravity" not in sys.modules


def test_functions_resolve_from_pyfastfit_registered_and_custom():
    lam = keras.layers.deserialize({"module": "keras.layers", "class_name": "Lambda",
                                    "config": {"function": {
                                        "module": "keras.activations",
                                        "class_name": "function", "config": "relu"}}})
    np.testing.assert_allclose(lam(np.array([[-1.0, 2.0]], "float32")).numpy(), [[0, 2]])

    def double(x):
        return x * 2.0

    cfg = {"class_name": "function", "config": "double", "module": "somewhere.else"}
    assert keras.saving.deserialize_keras_object(cfg, custom_objects={"double": double}) \
        is double
    with pytest.raises(ValueError, match="refused in safe mode"):
        keras.saving.deserialize_keras_object(cfg)


def test_unsafe_opt_out_imports_named_function():
    cfg = {"module": "math", "class_name": "function", "config": "sqrt"}
    import math

    assert keras.saving.deserialize_keras_object(cfg, safe_mode=False) is math.sqrt
    with serialization_lib.SafeModeScope(False):
        assert keras.saving.deserialize_keras_object(cfg) is math.sqrt


def test_classes_only_from_pyfastfit_and_registered():
    # a config naming a class in another module is never imported
    cfg = {"module": "subprocess", "class_name": "Popen", "config": {"args": ["true"]},
           "registered_name": None}
    with pytest.raises(TypeError, match=r"Could not locate class 'Popen'"):
        keras.saving.deserialize_keras_object(cfg)
    cfg = {"module": "keras.layers", "class_name": "Dense", "config": {"units": 2}}
    assert isinstance(keras.saving.deserialize_keras_object(cfg), layers.Dense)
    old = {"module": "keras.src.engine.functional", "class_name": "Dense",
           "config": {"units": 2}}
    assert isinstance(keras.saving.deserialize_keras_object(old), layers.Dense)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil", "a/../../evil"])
def test_zip_member_paths_refused(tmp_path, member):
    src = _saved(tmp_path)
    bad = tmp_path / "bad.keras"
    _rewrite(src, bad, {member: b"x"})
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"absolute path or '\.\.'"):
        keras.saving.load_model(bad)
    assert _snapshot(tmp_path) == before


def test_member_size_cap(tmp_path, monkeypatch):
    src = _saved(tmp_path)
    bad = tmp_path / "bomb.keras"
    with zipfile.ZipFile(src) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(bad, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data + (b" " * (1 << 22) if name == "config.json" else b""))
    assert os.path.getsize(bad) < 1 << 16  # a small file that expands to > 4 MiB
    monkeypatch.setattr(saving_lib, "MAX_JSON_BYTES", 1 << 20)
    with pytest.raises(ValueError, match="more than the limit"):
        keras.saving.load_model(bad)


def _weights_with(tmp_path, edit):
    """A `.keras` file whose weights file is changed by `edit(h5file)`."""
    import h5py

    src = _saved(tmp_path)
    with zipfile.ZipFile(src) as zf:
        data = zf.read("model.weights.h5")
    buf = io.BytesIO(data)
    with h5py.File(buf, "r+") as f:
        edit(f)
    bad = tmp_path / "bad.keras"
    _rewrite(src, bad, {"model.weights.h5": buf.getvalue()})
    return bad


def test_weight_shape_disagreeing_with_architecture(tmp_path):
    def edit(f):
        del f["layers/dense/vars/0"]
        f["layers/dense/vars"].create_dataset("0", data=np.zeros((5, 4), "float32"))

    with pytest.raises(ValueError, match=r"expected \(3, 4\), received \(5, 4\)"):
        keras.saving.load_model(_weights_with(tmp_path, edit))


def test_terabyte_shape_refused_before_reading(tmp_path):
    def edit(f):
        del f["layers/dense/vars/0"]
        # a chunked dataset of 2^40 floats stores nothing until written
        f["layers/dense/vars"].create_dataset("0", shape=(1 << 20, 1 << 20),
                                               dtype="float32", chunks=(1, 1024))

    with pytest.raises(ValueError, match=r"expected \(3, 4\), received \(1048576, "):
        keras.saving.load_model(_weights_with(tmp_path, edit))


def test_huge_array_cap(tmp_path, monkeypatch):
    monkeypatch.setattr(weights_store, "MAX_ARRAY_BYTES", 8)
    with pytest.raises(ValueError, match="too large"):
        keras.saving.load_model(_saved(tmp_path))


def test_wrong_dtype_and_missing_dataset(tmp_path):
    def to_text(f):
        del f["layers/dense/vars/1"]
        f["layers/dense/vars"].create_dataset("1", data=np.array([b"a", b"b", b"c", b"d"]))

    with pytest.raises(ValueError, match=r"dtype .*expected a numeric array"):
        keras.saving.load_model(_weights_with(tmp_path, to_text))

    def drop(f):
        del f["layers/dense_1/vars/1"]

    (tmp_path / "bad.keras").unlink()
    (tmp_path / "m.keras").unlink()
    with pytest.raises(ValueError, match="expected 2 variables, but received 1"):
        keras.saving.load_model(_weights_with(tmp_path, drop))


def test_truncated_and_non_zip_files(tmp_path):
    src = _saved(tmp_path)
    data = src.read_bytes()
    for n in (10, len(data) // 2, len(data) - 30):
        cut = tmp_path / f"cut{n}.keras"
        cut.write_bytes(data[:n])
        with pytest.raises(ValueError, match="truncated|not a valid"):
            keras.saving.load_model(cut)
    plain = tmp_path / "plain.keras"
    plain.write_text("not a zip at all")
    with pytest.raises(ValueError, match="not a valid `.keras` zip archive"):
        keras.saving.load_model(plain)
    empty = tmp_path / "empty.keras"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a valid"):
        keras.saving.load_model(empty)


def test_corrupt_members(tmp_path):
    src = _saved(tmp_path)
    cases = {"config.json": (b"{not json", "could not be parsed"),
             "model.weights.h5": (b"\x89HDF\r\n garbage", "not a readable HDF5")}
    for member, (data, message) in cases.items():
        bad = tmp_path / "bad.keras"
        _rewrite(src, bad, {member: data})
        with pytest.raises(ValueError, match=message):
            keras.saving.load_model(bad)
    _rewrite(src, tmp_path / "gone.keras", {"config.json": None})
    with pytest.raises(ValueError, match="it has no 'config.json'"):
        keras.saving.load_model(tmp_path / "gone.keras")
    _rewrite(src, tmp_path / "noconf.keras", {"config.json": json.dumps([1]).encode()})
    with pytest.raises(ValueError, match="does not describe a model"):
        keras.saving.load_model(tmp_path / "noconf.keras")


def test_failed_load_weights_leaves_model_unchanged(tmp_path):
    model = _model()
    before = model.get_weights()

    def edit(f):
        del f["layers/dense_1/vars/0"]
        f["layers/dense_1/vars"].create_dataset("0", data=np.zeros((4, 2), "float32"))

    bad = _weights_with(tmp_path, edit)
    with pytest.raises(ValueError, match="shape mismatch"):
        model.load_weights(bad)  # layers/dense would load fine, but nothing is assigned
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
