"""The interop cases of the saving tests, built on either side: the model builder
takes the keras module, so pyfastfit's tests (`custom_objects.py`) and Keras's
interpreter (`keras_side.py`) share it. Imports NumPy only."""

import numpy as np


def build(keras, case, seed, scale, two_layer):
    """(model, inputs, targets) of interop case `case`, compiled, built with the module
    `keras` (Keras 3 or pyfastfit). `scale` and `two_layer` are that side's `Scale`
    and `TwoLayer` classes; `seed` seeds the data (each side keeps the seed its
    committed fixtures were made with)."""
    rng = np.random.default_rng(seed)
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
        model = two_layer(units=2)
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mae")
        x = [rng.normal(size=(32, 3)).astype("float32")]
        y = [rng.normal(size=(32, 2)).astype("float32")]
    elif case == "custom_layer":
        model = keras.Sequential([keras.Input((4,)), L.Dense(3), scale(0.5), L.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(0.02), loss="mse")
        x = [rng.normal(size=(32, 4)).astype("float32")]
        y = [rng.normal(size=(32, 2)).astype("float32")]
    else:
        raise ValueError(case)
    return model, x, y


CASES = ("mlp_dropout", "two_io", "nested", "subclassed", "custom_layer")
