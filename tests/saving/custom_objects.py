"""pyfastfit twins of `keras_side.py`'s custom objects (same registered names), and the
builder of the interop cases with pyfastfit."""

import pyfastfit as keras
from pyfastfit import ops
from tests.saving import interop_cases


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
    """(model, inputs, targets) of an interop case, compiled, with pyfastfit (seed 11)."""
    return interop_cases.build(keras, case, 11, Scale, TwoLayer)


CASES = interop_cases.CASES


def one(xs):
    """A single array as itself, several as a list (how fit/predict take them)."""
    return xs[0] if len(xs) == 1 else list(xs)
