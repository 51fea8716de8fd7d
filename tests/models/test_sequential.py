import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers


def test_input_first_builds_functional_graph():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dense(2)])
    assert model.built and len(model.layers) == 2 and len(model.weights) == 4
    assert model.inputs[0].shape == (None, 4) and model.outputs[0].shape == (None, 2)
    assert model.layers[0].output.shape == (None, 8)
    assert model.output_names == [model.layers[-1].name]
    assert model(np.ones((3, 4), "float32")).shape == (3, 2)
    features = keras.Model(model.inputs, model.layers[0].output)
    assert features(np.ones((1, 4), "float32")).shape == (1, 8)


def test_add_pop_and_deferred_build():
    model = keras.Sequential()
    model.add(layers.Dense(3))
    model.add(layers.Dense(1))
    assert not model.built
    with pytest.raises(AttributeError, match="no defined inputs"):
        model.inputs
    model(np.ones((2, 5), "float32"))
    assert model.built and len(model.weights) == 4
    assert model.inputs[0].shape == (None, 5)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and len(model.layers) == 1
    assert model(np.ones((2, 5), "float32")).shape == (2, 3)


def test_build_with_input_shape_and_add_input_layer():
    model = keras.Sequential([layers.Dense(2)])
    model.build((None, 6))
    assert model.built and model.layers[0].kernel.shape == (6, 2)
    m2 = keras.Sequential()
    m2.add(keras.Input((3,)))
    m2.add(layers.Dense(4))
    assert m2.built and m2.outputs[0].shape == (None, 4)
    m3 = keras.Sequential()
    m3.add(layers.InputLayer(shape=(3,)))
    m3.add(layers.Dense(4))
    assert m3.built


def test_errors():
    with pytest.raises(ValueError, match="Only instances of `keras.Layer`"):
        keras.Sequential([1])
    d = layers.Dense(2, name="same")
    with pytest.raises(ValueError, match="unique names"):
        keras.Sequential([d, layers.Dense(2, name="same")])
    with pytest.raises(TypeError, match="no layers"):
        keras.Sequential().pop()


def test_config_round_trip():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(2)], name="seq")
    config = model.get_config()
    assert config["name"] == "seq" and config["layers"][0]["class_name"] == "InputLayer"
    clone = keras.Sequential.from_config(config)
    clone.set_weights(model.get_weights())
    x = np.ones((2, 4), "float32")
    np.testing.assert_allclose(np.asarray(clone(x)), np.asarray(model(x)), rtol=1e-6)
    deferred = keras.Sequential([layers.Dense(2)])
    deferred.build((None, 3))
    assert keras.Sequential.from_config(deferred.get_config()).built


def test_sequential_inside_functional_and_training_flag():
    block = keras.Sequential([layers.Dense(50), layers.Dropout(0.5, seed=3)])
    x = keras.Input((4,))
    model = keras.Model(x, block(x))
    data = np.ones((2, 4), "float32")
    np.testing.assert_allclose(np.asarray(model(data)), np.asarray(model(data)))
    assert (np.asarray(model(data, training=True)) == 0).any()


def test_variable_paths_under_the_models_name():
    """As Keras 3 (paths printed by Keras 3.15.1): weights created while a Sequential
    builds its layers are named under it, nested models included; a layer built before
    keeps its path."""
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="d")], name="seq")
    assert [w.path for w in m.weights] == ["seq/d/kernel", "seq/d/bias"]
    lazy = keras.Sequential([keras.layers.Dense(3, name="d2")], name="seq2")
    lazy.build((None, 4))
    assert [w.path for w in lazy.weights] == ["seq2/d2/kernel", "seq2/d2/bias"]
    outer = keras.Sequential([
        keras.Input((4,)), keras.Sequential([keras.layers.Dense(3, name="i1")], name="inner"),
        keras.layers.Dense(2, name="o1")], name="outer")
    assert [w.path for w in outer.weights] == ["outer/inner/i1/kernel", "outer/inner/i1/bias",
                                               "outer/o1/kernel", "outer/o1/bias"]
    pre = keras.layers.Dense(3, name="pre")
    pre.build((None, 4))
    kept = keras.Sequential([keras.Input((4,)), pre], name="s3")
    assert [w.path for w in kept.weights] == ["pre/kernel", "pre/bias"]
