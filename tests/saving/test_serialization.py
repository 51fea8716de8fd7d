"""`get_config` / `from_config` and `serialize_keras_object` /
`deserialize_keras_object` round-trip every built-in object; the registry API."""

import inspect
import json

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, losses, metrics, optimizers
from pyfastfit.optimizers import schedules
from pyfastfit.saving import serialization_lib

# Constructor arguments for the classes that need some; the others take none.
_ARGS = {
    "Activation": ("tanh",), "Dense": (3,), "Dropout": (0.3,), "Rescaling": (0.5, 1.0),
    "Permute": ((2, 1),), "Reshape": ((2, 3),), "InputLayer": (), "Lambda": (),
    "Conv1D": (2, 3), "Conv2D": (2, 3), "Conv2DTranspose": (2, 3), "SeparableConv2D": (2, 3),
    "DepthwiseConv2D": (3,), "AveragePooling1D": (2,), "AveragePooling2D": (2,),
    "Conv1DTranspose": (2, 3), "SeparableConv1D": (2, 3), "DepthwiseConv1D": (3,),
    "Conv3D": (2, 3), "Conv3DTranspose": (2, 3), "AveragePooling3D": (2,),
    "Embedding": (5, 3), "GaussianNoise": (0.1,), "SpatialDropout1D": (0.3,),
    "SpatialDropout2D": (0.3,), "RepeatVector": (3,),
    "LossFunctionWrapper": (losses.mean_squared_error,),
    "MeanMetricWrapper": (metrics.binary_accuracy,),
    "CosineDecay": (0.1, 100), "ExponentialDecay": (0.1, 10, 0.9),
    "InverseTimeDecay": (0.1, 10, 0.5), "PiecewiseConstantDecay": ([10], [0.1, 0.01]),
    "PolynomialDecay": (0.1, 100),
}
_KWARGS = {"InputLayer": {"shape": (3,)}, "Lambda": {"function": keras.activations.relu},
           "Optimizer": None, "Functional": None, "Model": None, "Sequential": None,
           "Layer": {}, "LearningRateSchedule": None}


def _builtins():
    spaces = serialization_lib._namespaces()
    out, seen = [], set()
    for family in ("layers", "losses", "metrics", "optimizers", "schedules",
                   "initializers", "regularizers", "constraints"):
        for cls in spaces[family].values():
            if not inspect.isclass(cls) or cls in seen:
                continue
            seen.add(cls)
            if _KWARGS.get(cls.__name__, {}) is None:
                continue  # abstract, or covered by the model tests
            out.append(pytest.param(family, cls, id=f"{family}.{cls.__name__}"))
    return out


_ALL = _builtins()


def _make(cls):
    return cls(*_ARGS.get(cls.__name__, ()), **(_KWARGS.get(cls.__name__) or {}))


def _clean(config):
    """A config without the parts that are fresh on each object (unique names)."""
    return json.loads(json.dumps(serialization_lib.serialize_keras_object(config)))


def test_every_family_is_covered():
    families = {p.values[0] for p in _ALL}
    assert families == {"layers", "losses", "metrics", "optimizers", "schedules",
                        "initializers", "regularizers", "constraints"}
    assert len(_ALL) > 100


@pytest.mark.parametrize("family,cls", _ALL)
def test_config_round_trip(family, cls):
    obj = _make(cls)
    config = obj.get_config()
    again = cls.from_config(config)
    assert type(again) is cls
    assert _clean(again.get_config()) == _clean(config)
    # through JSON, as a `.keras` file carries it
    text = json.dumps(keras.saving.serialize_keras_object(obj))
    restored = keras.saving.deserialize_keras_object(json.loads(text))
    assert type(restored) is cls
    assert _clean(restored.get_config()) == _clean(config)


def test_schema_of_serialized_objects():
    dense = layers.Dense(2, name="d")
    s = keras.saving.serialize_keras_object(dense)
    assert set(s) == {"module", "class_name", "config", "registered_name"}
    assert (s["module"], s["class_name"], s["registered_name"]) == \
        ("keras.layers", "Dense", None)
    dense(np.ones((2, 5), "float32"))
    assert keras.utils.serialize_keras_object(dense)["build_config"] == \
        {"input_shape": [2, 5]}
    assert keras.saving.serialize_keras_object(optimizers.Adam())["module"] == \
        "keras.optimizers"
    assert keras.saving.serialize_keras_object(losses.Huber())["module"] == "keras.losses"
    assert keras.saving.serialize_keras_object(schedules.CosineDecay(0.1, 5))["module"] \
        == "keras.optimizers.schedules"
    assert keras.saving.serialize_keras_object(losses.mean_squared_error) == {
        "module": "keras.losses", "class_name": "function", "config": "mean_squared_error",
        "registered_name": "function"}
    values = {"t": (1, 2), "a": np.arange(3, dtype="int32"), "b": b"xy", "n": None}
    back = keras.utils.deserialize_keras_object(keras.saving.serialize_keras_object(values))
    assert back["t"] == (1, 2) and back["b"] == b"xy" and back["n"] is None
    np.testing.assert_array_equal(back["a"], [0, 1, 2])
    assert back["a"].dtype == np.int32


def test_registration_api():
    @keras.saving.register_keras_serializable(package="pff_reg", name="Twice")
    class Twice(layers.Layer):
        def call(self, x):
            return x * 2.0

    assert keras.saving.get_registered_name(Twice) == "pff_reg>Twice"
    assert keras.saving.get_registered_object("pff_reg>Twice") is Twice
    assert keras.saving.get_custom_objects()["pff_reg>Twice"] is Twice
    s = keras.saving.serialize_keras_object(Twice(name="t"))
    assert s["registered_name"] == "pff_reg>Twice"
    assert type(keras.saving.deserialize_keras_object(s)) is Twice

    class Local(layers.Layer):
        pass

    s = keras.saving.serialize_keras_object(Local())
    assert s["registered_name"] == "Local"
    with pytest.raises(TypeError, match=r"Could not locate class 'Local'.*"
                                        r"register_keras_serializable"):
        keras.saving.deserialize_keras_object(s)
    with keras.saving.custom_object_scope({"Local": Local}):
        assert type(keras.saving.deserialize_keras_object(s)) is Local
        assert keras.saving.get_registered_object("Local") is Local
    assert keras.saving.get_registered_object("Local") is None
    with keras.saving.CustomObjectScope({"Local": Local}):
        assert type(keras.layers.deserialize(s)) is Local
    assert type(keras.saving.deserialize_keras_object(s, custom_objects={"Local": Local})) \
        is Local
    with pytest.raises(ValueError, match="without '>'"):
        keras.saving.register_keras_serializable(package="a>b")
    with pytest.raises(ValueError, match="get_config"):
        keras.saving.register_keras_serializable()(type("NoConfig", (), {}))
    with pytest.raises(TypeError, match="must be a dict"):
        keras.saving.custom_object_scope(["Local"])


def test_custom_object_needs_get_config_to_save():
    class NoConfig(layers.Layer):
        def __init__(self, k):
            super().__init__()
            self.k = k

    layer = NoConfig(3)
    s = keras.saving.serialize_keras_object(layer)
    with pytest.raises(TypeError, match="could not rebuild"):
        keras.saving.deserialize_keras_object(s, custom_objects={"NoConfig": NoConfig})


def test_plain_values_and_errors():
    for v in (None, 1, 2.5, "x", True, [1, "a"], {"k": [1]}):
        assert keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(v)) == v
    with pytest.raises(TypeError, match="no `get_config"):
        keras.saving.serialize_keras_object(object())
    with pytest.raises(TypeError, match="Could not parse config"):
        keras.saving.deserialize_keras_object(object())


def test_module_deserializers_see_registered_and_scoped_objects():
    class Halve(keras.constraints.Constraint):
        def __call__(self, w):
            return w * 0.5

        def get_config(self):
            return {}

    cfg = {"module": None, "class_name": "Halve", "config": {}, "registered_name": "Halve"}
    with pytest.raises(ValueError, match="Unknown constraint: 'Halve'"):
        keras.constraints.deserialize(cfg)
    with keras.saving.custom_object_scope({"Halve": Halve}):
        assert isinstance(keras.constraints.deserialize(cfg), Halve)

    class Tiny(losses.Loss):
        def call(self, y_true, y_pred):
            return keras.ops.mean(y_pred - y_true, axis=-1)

    with keras.saving.custom_object_scope({"Tiny": Tiny}):
        assert isinstance(keras.losses.deserialize(
            {"class_name": "Tiny", "config": {"name": "tiny"}}), Tiny)


def test_module_serializers_write_the_registered_name():
    @keras.saving.register_keras_serializable(package="pff_mod")
    class Doubled(losses.Loss):
        def call(self, y_true, y_pred):
            return 2.0 * keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)

    s = keras.losses.serialize(Doubled())
    assert s["registered_name"] == "pff_mod>Doubled" and s["class_name"] == "Doubled"
    assert isinstance(keras.losses.deserialize(s), Doubled)
    assert keras.losses.serialize(losses.Huber())["registered_name"] is None
