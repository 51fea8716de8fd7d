"""pyfastfit twins of `keras_side.py`'s custom objects (same registered names), and the
builder of the interop cases with pyfastfit."""

import numpy as np

import pyfastfit as keras
from pyfastfit import ops


@keras.saving.register_keras_serializable(package="pff_saving")
class Scale(keras.layers.Layer):
    """Multiplies by a learned per-feature vector."""

    def __init__(self, init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), name="w",
                                 initializer=keras.initializers.Constant(self.init))

    def call(self, x):
        return ops.multiply(x, self.w)

    def get_config(self):
        return {**super().get_config(), "init": self.init}


@keras.saving.register_keras_serializable(package="pff_saving")
class TwoLayer(keras.Model):
    """A subclassed model: tanh hidden layer then a linear head."""

    def __init__(self, units=2, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = keras.layers.Dense(5, activation="tanh")
        self.head = keras.layers.Dense(units)

    def call(self, x):
        return self.head(self.hidden(x))

    def get_config(self):
        return {"name": self.name, "units": self.units}


def build(case):
    """(model, inputs, targets) of an interop case, compiled, with pyfastfit (the same
    architectures, losses and optimizers as `keras_side.build`)."""
    rng = np.random.default_rng(11)
    L = keras.layers
    if case == "mlp_dropout":
        model = keras.Sequential([keras.Input((4,)), L.Dense(8, activation="relu"),
                                  L.Dropout(0.25), L.Dense(3, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x = [rng.normal(size=(32, 4)).astype("float32")]
        y = [rng.integers(0, 3, size=(32,)).astype("int64")]
    elif case == "two_io":
        a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
        h = L.Concatenate()([L.Dense(4, activation="relu")(a), b])
        h = L.Dense(6, activation="tanh")(h)
        out1 = L.Dense(2, name="reg")(h)
        out2 = L.Dense(1, activation="sigmoid", name="cls")(h)
        model = keras.Model([a, b], [out1, out2])
        model.compile(optimizer=keras.optimizers.RMSprop(0.01, momentum=0.5),
                      loss=["mse", "binary_crossentropy"], loss_weights=[1.0, 0.5])
        x = [rng.normal(size=(32, 3)).astype("float32"),
             rng.normal(size=(32, 2)).astype("float32")]
        y = [rng.normal(size=(32, 2)).astype("float32"),
             (rng.random((32, 1)) > 0.5).astype("float32")]
    elif case == "nested":
        tower = keras.Sequential([L.Dense(6, activation="relu"), L.Dense(4)], name="tower")
        inp = keras.Input((5,))
        out = L.Dense(1)(tower(inp))
        model = keras.Model(inp, out)
        model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9), loss="mse")
        x = [rng.normal(size=(32, 5)).astype("float32")]
        y = [rng.normal(size=(32, 1)).astype("float32")]
    elif case == "subclassed":
        model = TwoLayer(units=2)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mae")
        x = [rng.normal(size=(32, 3)).astype("float32")]
        y = [rng.normal(size=(32, 2)).astype("float32")]
    elif case == "custom_layer":
        model = keras.Sequential([keras.Input((4,)), L.Dense(3), Scale(0.5), L.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
        x = [rng.normal(size=(32, 4)).astype("float32")]
        y = [rng.normal(size=(32, 2)).astype("float32")]
    else:
        raise ValueError(case)
    return model, x, y


CASES = ("mlp_dropout", "two_io", "nested", "subclassed", "custom_layer")


def one(xs):
    """A single array as itself, several as a list (how fit/predict take them)."""
    return xs[0] if len(xs) == 1 else list(xs)
