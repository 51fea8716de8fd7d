"""Files written by Keras 3 (and in Keras 2's formats) load in pyfastfit: same
predictions, and the restored optimizer state takes the same next step as Keras's.
Fixtures: `make_keras_saving_fixtures.py` (Keras 3.15.1, TensorFlow backend)."""

import os
import zipfile

import numpy as np
import pytest

import pyfastfit as keras
from tests.saving import custom_objects as co

FIX = os.path.join(os.path.dirname(__file__), "fixtures")


def _arrays(data, prefix):
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(data[f"{prefix}{len(out)}"])
    return out


def _as_list(pred):
    return pred if isinstance(pred, list) else [pred]


@pytest.mark.parametrize("case", co.CASES)
def test_keras_file_predicts_and_continues_training(case):
    data = np.load(os.path.join(FIX, f"{case}.npz"))
    model = keras.saving.load_model(os.path.join(FIX, f"{case}.keras"))
    for got, want in zip(_as_list(model.predict(co.one(_arrays(data, "x")), verbose=0)),
                         _arrays(data, "pred"), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert model.compiled and model.optimizer.iterations.numpy() == 8  # 2 epochs x 4
    if case == "mlp_dropout":
        return  # the next step draws a dropout mask: Keras's RNG cannot be matched
    loss = model.train_on_batch(co.one(_arrays(data, "bx")), co.one(_arrays(data, "by")))
    loss = loss[0] if isinstance(loss, list) else loss
    np.testing.assert_allclose(loss, data["next_loss"], rtol=1e-5)
    for got, want in zip(model.get_weights(), _arrays(data, "next"), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)


def test_keras_file_compile_state():
    model = keras.saving.load_model(os.path.join(FIX, "two_io.keras"))
    opt = model.optimizer
    assert type(opt).__name__ == "RMSprop" and opt.momentum == 0.5
    np.testing.assert_allclose(opt.learning_rate.numpy(), 0.01)
    config = model.get_compile_config()
    assert config["loss"] == ["mse", "binary_crossentropy"]
    assert config["loss_weights"] == [1.0, 0.5]
    # one velocity and one momentum per weight, after iteration and learning_rate
    assert len(opt.variables) == 2 + 2 * len(model.trainable_weights)


def test_keras_file_without_compile():
    model = keras.saving.load_model(os.path.join(FIX, "nested.keras"), compile=False)
    assert not getattr(model, "compiled", False)
    tower = model.get_layer("tower")
    assert isinstance(tower, keras.Sequential) and len(tower.layers) == 2


def test_keras_custom_layer_file_needs_its_class():
    # The registered class is found by its registered name; with the registration
    # hidden, Keras's message names the class and how to register it.
    from pyfastfit.saving import object_registration

    saved = object_registration._GLOBAL_CUSTOM_OBJECTS.pop("pff_saving>Scale")
    try:
        with pytest.raises(TypeError, match=r"Could not locate class 'Scale'.*"
                                            r"register_keras_serializable"):
            keras.saving.load_model(os.path.join(FIX, "custom_layer.keras"))
        model = keras.saving.load_model(os.path.join(FIX, "custom_layer.keras"),
                                        custom_objects={"Scale": co.Scale})
        assert isinstance(model.layers[1], co.Scale)
    finally:
        object_registration._GLOBAL_CUSTOM_OBJECTS["pff_saving>Scale"] = saved


@pytest.mark.parametrize("name", ["keras2_mlp.h5", "keras213_mlp.keras"])
def test_keras2_files(name):
    # Made with h5py/zipfile following Keras 2's documented layouts (no Keras 2 here):
    # a full-model .h5 (model_config + model_weights) and a Keras 2.13 .keras
    # (keras.src.engine.functional, batch_input_shape, _layer_checkpoint_dependencies).
    data = np.load(os.path.join(FIX, "mlp_dropout.npz"))
    model = keras.saving.load_model(os.path.join(FIX, name))
    np.testing.assert_allclose(model.predict(data["x0"], verbose=0), data["pred0"],
                               rtol=1e-5, atol=1e-6)
    assert [type(layer).__name__ for layer in model.layers][-3:] == \
        ["Dense", "Dropout", "Dense"]


def test_keras_layout_matches_our_writer(tmp_path):
    # Re-saving a Keras file gives the same HDF5 paths, shapes and dtypes.
    import h5py

    for case in co.CASES:
        src = os.path.join(FIX, f"{case}.keras")
        model = keras.saving.load_model(src)
        out = tmp_path / f"{case}.keras"
        model.save(out)

        def listing(path):
            with zipfile.ZipFile(path) as zf, zf.open("model.weights.h5") as raw:
                import io

                f = h5py.File(io.BytesIO(raw.read()), "r")
                items = []
                f.visititems(lambda n, o: items.append(
                    (n, getattr(o, "shape", None), str(getattr(o, "dtype", "")))))
                return sorted(items)

        assert listing(out) == listing(src), case


def test_keras2_h5_weights_into_a_model(tmp_path):
    data = np.load(os.path.join(FIX, "mlp_dropout.npz"))
    L = keras.layers
    model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"),
                              L.Dropout(0.25), L.Dense(3, activation="softmax")])
    model.load_weights(os.path.join(FIX, "keras2_mlp.h5"))
    np.testing.assert_allclose(model.predict(data["x0"], verbose=0), data["pred0"],
                               rtol=1e-5, atol=1e-6)
    wrong = keras.Sequential([keras.Input((4,)), L.Dense(8), L.Dense(2)])
    with pytest.raises(ValueError, match=r"Shape mismatch in layer .* expected \(8, 2\), "
                                         r"received \(8, 3\)"):
        wrong.load_weights(os.path.join(FIX, "keras2_mlp.h5"))
    fewer = keras.Sequential([keras.Input((4,)), L.Dense(8)])
    with pytest.raises(ValueError, match="Layer count mismatch"):
        fewer.load_weights(os.path.join(FIX, "keras2_mlp.h5"))
