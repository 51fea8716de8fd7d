"""pyfastfit.utils.registry (shared by the losses/metrics/initializers/regularizers/
optimizers registries) and the behaviour the registries get from it."""

import pytest

from pyfastfit import initializers, losses, metrics, optimizers, regularizers
from pyfastfit.utils import registry


class _Thing:
    def __init__(self, a=1):
        self.a = a

    def __call__(self):
        return self.a

    def get_config(self):
        return {"a": self.a}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _Other(_Thing):
    pass


_BUILTINS = {"_Thing": _Thing, "thing": _Thing}


def _lookup(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _BUILTINS.get(name)


def _unknown(name):
    return f"Unknown thing: {name}"


def test_serialize_object_builtin_and_custom():
    assert registry.serialize_object(_Thing(2), "keras.things", _BUILTINS) == {
        "module": "keras.things", "class_name": "_Thing", "config": {"a": 2},
        "registered_name": None}
    assert registry.serialize_object(_Other(), "keras.things", _BUILTINS) == {
        "module": __name__, "class_name": "_Other", "config": {"a": 1},
        "registered_name": "_Other"}
    # builtins=None: every class is labelled with the module.
    assert registry.serialize_object(_Other(), "keras.things")["module"] == "keras.things"
    # key: case-insensitive registries (optimizers).
    lower = {"_thing": _Thing}
    assert registry.serialize_object(_Thing(), "m", lower, key=str.lower)[
        "registered_name"] is None


def test_deserialize_object():
    cfg = registry.serialize_object(_Thing(3), "keras.things", _BUILTINS)
    obj = registry.deserialize_object(cfg, _lookup, _unknown, "thing")
    assert type(obj) is _Thing and obj.a == 3
    assert registry.deserialize_object("thing", _lookup, _unknown, "thing") is _Thing
    custom = registry.serialize_object(_Other(4), "keras.things", _BUILTINS)
    obj = registry.deserialize_object(custom, _lookup, _unknown, "thing",
                                      custom_objects={"_Other": _Other})
    assert type(obj) is _Other and obj.a == 4
    with pytest.raises(ValueError, match="Unknown thing: _Other"):
        registry.deserialize_object(custom, _lookup, _unknown, "thing")
    with pytest.raises(ValueError, match="Unknown thing: nope"):
        registry.deserialize_object("nope", _lookup, _unknown, "thing")
    with pytest.raises(ValueError, match=r"Could not interpret serialized thing: \{'x': 1\}"):
        registry.deserialize_object({"x": 1}, _lookup, _unknown, "thing")
    fn = {"class_name": "function", "config": "f"}
    got = registry.deserialize_object(fn, _lookup, _unknown, "thing",
                                      function=lambda c, co: ("fn", c["config"]))
    assert got == ("fn", "f")


def test_get_object():
    def get(i, **kw):
        return registry.get_object(
            i, _lookup, lambda c: registry.deserialize_object(c, _lookup, _unknown, "thing"),
            _unknown, lambda i: f"Could not interpret thing: {i!r}", **kw)

    assert get(None) is None
    assert type(get("thing")) is _Thing
    assert type(get({"class_name": "_Thing", "config": {"a": 5}})) is _Thing
    assert type(get(_Other)) is _Other
    inst = _Other()
    assert get(inst) is inst
    assert get(_Other, instantiate=registry.subclass_of(int)) is _Other
    with pytest.raises(ValueError, match="Unknown thing: nope"):
        get("nope")
    with pytest.raises(ValueError, match="Could not interpret thing: 3"):
        get(3)


# --------------------------------------------------- behaviour of the registries
def test_regularizers_get_instantiates_a_class():
    reg = regularizers.get(regularizers.L2)
    assert isinstance(reg, regularizers.L2) and reg.get_config() == {"l2": 0.01}


@pytest.mark.parametrize("module,name,cls", [
    (initializers, "he_normal", initializers.HeNormal),
    (regularizers, "l1_l2", regularizers.L1L2),
    (losses, "MeanSquaredError", losses.MeanSquaredError),
    (metrics, "AUC", metrics.AUC),
])
def test_deserialize_a_name(module, name, cls):
    assert module.deserialize(name) is cls


@pytest.mark.parametrize("module,noun", [(initializers, "initializer"),
                                         (regularizers, "regularizer"),
                                         (losses, "loss"), (metrics, "metric")])
def test_deserialize_rejects_non_configs(module, noun):
    with pytest.raises(ValueError, match=f"Could not interpret serialized {noun}: 3"):
        module.deserialize(3)


@pytest.mark.parametrize("module", [losses, metrics])
def test_custom_objects_come_first(module):
    def mse(y_true, y_pred):
        return y_pred

    assert module.deserialize("mse", custom_objects={"mse": mse}) is mse


def test_custom_metric_named_like_a_builtin_round_trips():
    class Mean(metrics.Mean):
        pass

    cfg = metrics.serialize(Mean(name="m"))
    assert cfg["registered_name"] == "Mean"
    assert type(metrics.deserialize(cfg, custom_objects={"Mean": Mean})) is Mean
    assert type(metrics.deserialize(metrics.serialize(metrics.Mean()))) is metrics.Mean


def test_optimizer_serialize_is_case_insensitive_builtin():
    cfg = optimizers.serialize(optimizers.SGD())
    assert cfg["module"] == "keras.optimizers" and cfg["registered_name"] is None


def test_name_registry_get_serialize_deserialize():
    class Base:
        def __call__(self, x):
            return x

        def get_config(self):
            return {"a": getattr(self, "a", 1)}

        @classmethod
        def from_config(cls, config):
            obj = cls()
            obj.a = config["a"]
            return obj

    class Thing(Base):
        pass

    reg = registry.NameRegistry("thing", "keras.things", {"thing": Thing, "Thing": Thing},
                                Base, valid=["thing"])
    assert isinstance(reg.get("thing"), Thing)      # a registered class is instantiated
    assert isinstance(reg.get(Thing), Thing)
    obj = Thing()
    assert reg.get(obj) is obj and reg.get(None) is None
    config = reg.serialize(obj)
    assert config == {"module": "keras.things", "class_name": "Thing", "config": {"a": 1},
                      "registered_name": None}
    config["config"]["a"] = 5
    assert reg.deserialize(config).a == 5
    with pytest.raises(ValueError, match=r"Could not interpret thing identifier: 'x'. "
                                         r"Valid names: \['thing'\]"):
        reg.get("x")
    with pytest.raises(ValueError, match=r"Unknown thing: 'Other'. Valid names: "
                                         r"\['Thing', 'thing'\]"):
        reg.deserialize({"class_name": "Other", "config": {}})
