"""Custom objects of the interop cases, written against Keras 3's API. Imported by the
fixture script and by the subprocess that loads pyfastfit's files in Keras (never by
the pyfastfit tests themselves); `custom_objects.py` holds the pyfastfit twins."""

import interop_cases  # on sys.path: the scripts insert this directory
import keras


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
        return keras.ops.multiply(x, self.w)

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
    """(model, inputs, targets) of an interop case, compiled, with Keras (seed 7)."""
    return interop_cases.build(keras, case, 7, Scale, TwoLayer)


CASES = interop_cases.CASES
