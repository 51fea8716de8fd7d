"""`.keras` save/load, weights files, JSON, clone_model and the file-name rules."""

import json
import os
import zipfile

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers
from tests.saving import custom_objects as co


def _data(n=24, d=4, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype("float32"), rng.normal(size=(n, k)).astype("float32")


def _mlp(optimizer="adam"):
    model = keras.Sequential([keras.Input((4,)), layers.Dense(6, activation="relu"),
                              layers.Dense(2)])
    model.compile(optimizer=optimizer, loss="mse", metrics=["mae"])
    return model


def _weights_equal(a, b):
    for x, y in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd", "adagrad", "nadam",
                                       "adamax", "adamw"])
def test_fit_two_epochs_equals_fit_save_load_fit(tmp_path, optimizer):
    x, y = _data()
    keras.utils.set_random_seed(3)
    a = _mlp(optimizer)
    keras.utils.set_random_seed(3)
    b = _mlp(optimizer)
    _weights_equal(a, b)
    h = a.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    b.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    b.save(tmp_path / "m.keras")
    c = keras.models.load_model(tmp_path / "m.keras")
    h2 = c.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for w1, w2 in zip(a.get_weights(), c.get_weights(), strict=True):
        np.testing.assert_allclose(w1, w2, rtol=1e-6, atol=1e-7)
    for v1, v2 in zip(a.optimizer.variables, c.optimizer.variables, strict=True):
        np.testing.assert_allclose(v1.numpy(), v2.numpy(), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(h.history["loss"][1], h2.history["loss"][0], rtol=1e-6)
    assert c.metrics_names == a.metrics_names


def test_two_input_two_output_round_trip(tmp_path):
    model, x, y = co.build("two_io")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    for p, q in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0), strict=True):
        np.testing.assert_array_equal(p, q)
    assert loaded.output_names == model.output_names
    r1, r2 = model.evaluate(x, y, verbose=0), loaded.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(r1, r2, rtol=1e-6)


@pytest.mark.parametrize("case", co.CASES)
def test_every_interop_case_round_trips(tmp_path, case):
    model, x, y = co.build(case)
    model.fit(co.one(x), co.one(y), epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert type(loaded) is type(model) or case == "subclassed" and \
        isinstance(loaded, co.TwoLayer)
    _weights_equal(model, loaded)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_file_layout_is_keras(tmp_path):
    import h5py

    model, x, y = co.build("subclassed")
    model.fit(x[0], y[0], epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        assert zf.namelist() == ["metadata.json", "config.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        meta = json.loads(zf.read("metadata.json"))
        zf.extract("model.weights.h5", tmp_path)
    assert meta["keras_version"].startswith("3.") and "date_saved" in meta
    assert config["class_name"] == "TwoLayer"
    assert config["registered_name"] == "pff_saving>TwoLayer"
    assert config["build_config"] == {"input_shape": [None, 3]}
    assert config["compile_config"]["loss"] == "mae"
    seq = _mlp()
    seq_config = json.loads(seq.to_json())
    assert seq_config["config"]["build_input_shape"] == [None, 4]  # as Keras 3 writes
    assert seq_config["config"]["layers"][0]["class_name"] == "InputLayer"
    with h5py.File(tmp_path / "model.weights.h5", "r") as f:
        names = []
        f.visit(names.append)
    # attributes sorted by name ("head" < "hidden" < "layers": the `layers` list
    # holds no new object), then the optimizer: iteration, learning_rate, then
    # (m, v) per variable.
    assert "head/vars/1" in names and "hidden/vars/0" in names
    assert "vars" in names and not any(n.startswith("layers/") and "/vars/" in n
                                       for n in names)
    assert [n for n in names if n.startswith("optimizer/vars/")] == \
        [f"optimizer/vars/{i}" for i in range(10)]


def test_save_weights_load_weights(tmp_path):
    x, y = _data()
    a = _mlp()
    a.fit(x, y, epochs=1, verbose=0)
    a.save_weights(tmp_path / "w.weights.h5")
    b = _mlp()
    b.load_weights(tmp_path / "w.weights.h5")
    _weights_equal(a, b)
    np.testing.assert_array_equal(a.predict(x, verbose=0), b.predict(x, verbose=0))
    c = _mlp()
    c.load_weights(tmp_path / "w.weights.h5".replace(".weights.h5", ".weights.h5"))
    a.save(tmp_path / "m.keras")
    d = _mlp()
    d.load_weights(tmp_path / "m.keras")  # a .keras file also gives its weights
    _weights_equal(a, d)
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        a.save_weights(tmp_path / "w.h5")


def test_load_weights_mismatch_and_skip(tmp_path):
    a = _mlp()
    a.save_weights(tmp_path / "w.weights.h5")
    other = keras.Sequential([keras.Input((4,)), layers.Dense(5), layers.Dense(2)])
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"shape mismatch.*expected \(4, 5\), received "
                                         r"\(4, 6\)"):
        other.load_weights(tmp_path / "w.weights.h5")
    for w, v in zip(before, other.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(w, v)
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        other.load_weights(tmp_path / "w.weights.h5", skip_mismatch=True)
    for w, v in zip(before, other.get_weights()):
        np.testing.assert_array_equal(w, v)
    fewer = keras.Sequential([keras.Input((4,)), layers.Dense(6)])
    with pytest.raises(ValueError, match=r"weights for 1 object\(s\) the model does not "
                                         r"have: \['layers/dense_1/vars'\]"):
        fewer.load_weights(tmp_path / "w.weights.h5")
    more = keras.Sequential([keras.Input((4,)), layers.Dense(6), layers.Dense(2),
                             layers.Dense(3)])
    with pytest.raises(ValueError, match="expected 2 variables, but received 0"):
        more.load_weights(tmp_path / "w.weights.h5")


def test_to_json_model_from_json_and_clone_model():
    model, x, _ = co.build("two_io")
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Functional"
    rebuilt = keras.models.model_from_json(text)
    assert [type(v) for v in rebuilt.layers] == [type(v) for v in model.layers]
    assert [w.shape for w in rebuilt.weights] == [w.shape for w in model.weights]
    clone = keras.models.clone_model(model)
    assert clone is not model and len(clone.weights) == len(model.weights)
    assert not any(np.array_equal(a, b) for a, b in
                   zip(clone.get_weights()[::2], model.get_weights()[::2]))
    clone.set_weights(model.get_weights())
    for p, q in zip(clone.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_array_equal(p, q)
    seen = []

    def fn(layer):
        seen.append(layer.name)
        cfg = layer.get_config()
        if isinstance(layer, layers.Dense):
            cfg["use_bias"] = False
        return layer.__class__.from_config(cfg)

    no_bias = keras.models.clone_model(model, clone_function=fn)
    assert len(no_bias.weights) == len(model.weights) // 2
    assert "reg" in seen and not any(n.startswith("a") and len(n) == 1 for n in seen)


def test_clone_sequential_and_subclassed():
    seq = _mlp()
    clone = keras.models.clone_model(seq)
    assert isinstance(clone, keras.Sequential) and clone.built
    assert [w.shape for w in clone.weights] == [w.shape for w in seq.weights]
    on_input = keras.models.clone_model(seq, input_tensors=keras.Input((4,)))
    assert on_input.built
    sub = co.TwoLayer(units=3)
    assert isinstance(keras.models.clone_model(sub), co.TwoLayer)
    with pytest.raises(ValueError, match="only supported for Sequential and Functional"):
        keras.models.clone_model(sub, clone_function=lambda layer: layer)


def test_filename_rules_and_overwrite(tmp_path, monkeypatch):
    model = _mlp()
    with pytest.raises(ValueError, match=r"Invalid filepath extension.*Received: "
                                         r"filepath=.*m\.tf"):
        model.save(tmp_path / "m.tf")
    with pytest.raises(ValueError, match="legacy Keras 2"):
        model.save(tmp_path / "m.h5")
    with pytest.raises(ValueError, match="File not found"):
        keras.models.load_model(tmp_path / "missing.keras")
    (tmp_path / "m.txt").write_text("hello")
    with pytest.raises(ValueError, match="File format not supported"):
        keras.models.load_model(tmp_path / "m.txt")
    path = tmp_path / "m.keras"
    model.save(path)
    stamp = path.read_bytes()
    monkeypatch.setattr("builtins.input", lambda prompt="": "n")
    _mlp().save(path, overwrite=False)
    assert path.read_bytes() == stamp
    monkeypatch.setattr("builtins.input", lambda prompt="": "y")
    other = _mlp()
    other.save(path, overwrite=False)
    _weights_equal(other, keras.models.load_model(path))
    assert sorted(os.listdir(tmp_path)) == ["m.keras", "m.txt"]  # no temporary left


def test_custom_loss_and_metric_survive(tmp_path):
    @keras.saving.register_keras_serializable(package="pff_test")
    class ScaledMSE(keras.losses.Loss):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, y_true, y_pred):
            return self.factor * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    @keras.saving.register_keras_serializable(package="pff_test")
    class MaxAbs(keras.metrics.Metric):
        def __init__(self, name="max_abs", **kwargs):
            super().__init__(name=name, **kwargs)
            self.m = self.add_variable(shape=(), initializer="zeros", name="m")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.m.assign(np.maximum(self.m.numpy(),
                                     np.abs(np.asarray(y_true) - np.asarray(y_pred)).max()))

        def result(self):
            return self.m.value

    x, y = _data()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=ScaledMSE(3.0), metrics=[MaxAbs()])
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.loss, ScaledMSE) and loaded.loss.factor == 3.0
    r1 = model.evaluate(x, y, verbose=0, return_dict=True)
    r2 = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert set(r2) == {"loss", "max_abs"}
    np.testing.assert_allclose(r1["loss"], r2["loss"], rtol=1e-6)
    np.testing.assert_allclose(r1["max_abs"], r2["max_abs"], rtol=1e-6)


def test_custom_loss_function_needs_registration_or_custom_objects(tmp_path):
    def scaled_abs(y_true, y_pred):
        return 2.0 * keras.ops.mean(keras.ops.abs(y_true - y_pred), axis=-1)

    x, y = _data()
    model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    model.compile(optimizer="sgd", loss=scaled_abs)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match=r"'scaled_abs'.*register_keras_serializable"):
        keras.saving.load_model(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras",
                                     custom_objects={"scaled_abs": scaled_abs})
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)
    no_compile = keras.saving.load_model(tmp_path / "m.keras", compile=False)
    _weights_equal(model, no_compile)


def test_dict_inputs_and_outputs_round_trip(tmp_path):
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    h = layers.Concatenate()([a, b])
    model = keras.Model({"a": a, "b": b},
                        {"u": layers.Dense(2, name="u")(h), "v": layers.Dense(1, name="v")(h)})
    model.compile(optimizer="adam", loss={"u": "mse", "v": "mae"},
                  loss_weights={"u": 1.0, "v": 2.0})
    rng = np.random.default_rng(0)
    x = {"a": rng.normal(size=(16, 3)).astype("float32"),
         "b": rng.normal(size=(16, 2)).astype("float32")}
    y = {"u": rng.normal(size=(16, 2)).astype("float32"),
         "v": rng.normal(size=(16, 1)).astype("float32")}
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    p, q = model.predict(x, verbose=0), loaded.predict(x, verbose=0)
    assert set(q) == {"u", "v"}
    for k in p:
        np.testing.assert_array_equal(p[k], q[k])
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0),
                               model.evaluate(x, y, verbose=0), rtol=1e-6)


def test_unregistered_subclassed_model_message(tmp_path):
    class Plain(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Plain()
    model(np.ones((1, 3), "float32"))
    model.save(tmp_path / "m.keras")
    with pytest.raises(TypeError, match=r"Could not locate class 'Plain'"):
        keras.saving.load_model(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"Plain": Plain})
    _weights_equal(model, loaded)


def test_shared_class_names_get_numbered_paths(tmp_path):
    import h5py

    inner = keras.Sequential([layers.Dense(3), layers.Dense(3)], name="inner")
    inp = keras.Input((2,))
    out = layers.Dense(1)(inner(layers.Dense(3)(inp)))
    model = keras.Model(inp, out)
    model.save_weights(tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5", "r") as f:
        names = []
        f.visit(names.append)
    datasets = sorted(n for n in names if n.split("/")[-1].isdigit())
    assert datasets == ["layers/dense/vars/0", "layers/dense/vars/1",
                        "layers/dense_1/vars/0", "layers/dense_1/vars/1",
                        "layers/sequential/layers/dense/vars/0",
                        "layers/sequential/layers/dense/vars/1",
                        "layers/sequential/layers/dense_1/vars/0",
                        "layers/sequential/layers/dense_1/vars/1"]


def test_auto_config_of_plain_constructor_arguments(tmp_path):
    # A subclass without get_config saves its plain constructor arguments (Keras 3's
    # auto-config); arguments that are not plain values are a clear error at save time.
    class Wide(keras.Model):
        def __init__(self, units=3, scale=1.0, **kwargs):
            super().__init__(**kwargs)
            self.units, self.scale = units, scale
            self.d = layers.Dense(units)

        def call(self, x):
            return self.d(x) * self.scale

    model = Wide(5, scale=0.5)
    x = np.ones((2, 3), "float32")
    model(x)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"Wide": Wide})
    assert (loaded.units, loaded.scale) == (5, 0.5)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))

    class Holder(layers.Layer):
        def __init__(self, fn, **kwargs):
            super().__init__(**kwargs)
            self.fn = fn

        def call(self, x):
            return self.fn(x)

    with pytest.raises(NotImplementedError, match=r"Holder has arguments \['fn'\].*"
                                                  r"must override `get_config\(\)`"):
        keras.Sequential([keras.Input((3,)), Holder(keras.ops.sin)]).save(tmp_path / "h.keras")
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]  # the failed save wrote nothing
