"""Training cases for the fast path's newer features, built the same way with Keras 3
(by `make_keras_fixtures.py`) and with pyfastfit (by `test_keras_parity.py`): the `keras`
module is an argument, everything else is seeded NumPy.

Each case is `build(keras) -> (model, compile_kwargs, x, y, validation_data)`; the
model's weights are set from a fixed NumPy draw, so both libraries start equal.
"""

import numpy as np

N, D, BATCH, EPOCHS = 64, 8, 16, 5


def _f32(a):
    return np.asarray(a, dtype=np.float32)


def _data(seed, classes):
    rng = np.random.default_rng(seed)
    x = _f32(rng.normal(size=(N, D)))
    xv = _f32(rng.normal(size=(32, D)))
    w = rng.normal(size=(D, classes))
    y = np.argmax(x @ w + 0.5 * rng.normal(size=(N, classes)), axis=1).astype(np.int64)
    yv = np.argmax(xv @ w, axis=1).astype(np.int64)
    return x, y, xv, yv


def _set_weights(model, seed):
    rng = np.random.default_rng(seed)
    model.set_weights([_f32(rng.uniform(-0.5, 0.5, size=w.shape)) for w in model.get_weights()])


def _classifier_compile(optimizer):
    return dict(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                metrics=["accuracy"])


def constrained(keras):
    """MaxNorm kernel and NonNeg bias on the hidden layer, UnitNorm rows on the output."""
    L, C = keras.layers, keras.constraints
    model = keras.Sequential([
        keras.Input((D,)),
        L.Dense(16, activation="relu", kernel_constraint=C.MaxNorm(0.8),
                bias_constraint=C.NonNeg()),
        L.Dense(3, activation="softmax", kernel_constraint=C.UnitNorm(axis=1)),
    ])
    _set_weights(model, 11)
    x, y, xv, yv = _data(21, 3)
    return model, _classifier_compile(keras.optimizers.Adam(0.02)), x, y, (xv, yv)


def label_smoothing(keras):
    """Categorical cross-entropy with label smoothing, accuracy on the raw targets."""
    L = keras.layers
    model = keras.Sequential([keras.Input((D,)), L.Dense(16, activation="tanh"),
                              L.Dense(4, activation="softmax")])
    _set_weights(model, 12)
    x, y, xv, yv = _data(22, 4)
    eye = np.eye(4, dtype=np.float32)
    return (model, dict(optimizer=keras.optimizers.RMSprop(0.01),
                        loss=keras.losses.CategoricalCrossentropy(label_smoothing=0.2),
                        metrics=["accuracy"]),
            x, eye[y], (xv, eye[yv]))


def binary_metrics(keras):
    """Confusion metrics and RMSE on a sigmoid output."""
    L, M = keras.layers, keras.metrics
    model = keras.Sequential([keras.Input((D,)), L.Dense(16, activation="relu"),
                              L.Dense(1, activation="sigmoid")])
    _set_weights(model, 13)
    x, y, xv, yv = _data(23, 2)
    return (model, dict(optimizer=keras.optimizers.SGD(0.2, momentum=0.5),
                        loss="binary_crossentropy",
                        metrics=[M.Precision(name="precision"), M.Recall(name="recall"),
                                 M.AUC(name="auc"), M.AUC(curve="PR", name="pr_auc"),
                                 M.RootMeanSquaredError(name="rmse")]),
            x, _f32(y[:, None]), (xv, _f32(yv[:, None])))


def shared_nested(keras):
    """A Dense shared by two branches, and a nested Sequential block."""
    L = keras.layers
    inp = keras.Input((D,), name="x")
    shared = L.Dense(8, activation="tanh", name="shared")
    block = keras.Sequential([keras.Input((8,)), L.Dense(8, activation="relu")], name="block")
    left = shared(L.Dense(8, name="left")(inp))
    right = block(shared(L.Dense(8, name="right")(inp)))
    out = L.Dense(3, activation="softmax", name="out")(L.Concatenate()([left, right]))
    model = keras.Model(inp, out)
    _set_weights(model, 14)
    x, y, xv, yv = _data(24, 3)
    return model, _classifier_compile(keras.optimizers.Adam(0.01)), x, y, (xv, yv)


def multi_input(keras):
    """Two inputs given as a dict (keys not in input order), an L1L2 kernel penalty."""
    L = keras.layers
    a, b = keras.Input((5,), name="a"), keras.Input((3,), name="b")
    h = L.Concatenate()([L.Dense(6, activation="relu", name="da")(a),
                         L.Dense(6, activation="tanh", name="db",
                                 kernel_regularizer=keras.regularizers.L1L2(0.01, 0.02))(b)])
    model = keras.Model({"a": a, "b": b}, L.Dense(3, activation="softmax", name="out")(h))
    _set_weights(model, 15)
    x, y, xv, yv = _data(25, 3)
    return (model, _classifier_compile(keras.optimizers.Nadam(0.01)),
            {"b": x[:, 5:], "a": x[:, :5]}, y, ({"b": xv[:, 5:], "a": xv[:, :5]}, yv))


CASES = {"constrained": constrained, "label_smoothing": label_smoothing,
         "binary_metrics": binary_metrics, "shared_nested": shared_nested,
         "multi_input": multi_input}


def run(keras, name, **compile_extra):
    """Builds, compiles and fits case `name` (shuffle off, validation each epoch);
    returns `(model, history dict, evaluate dict)`."""
    model, compile_kw, x, y, val = CASES[name](keras)
    model.compile(**compile_kw, **compile_extra)
    hist = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False,
                     validation_data=val, verbose=0)
    ev = model.evaluate(*val, batch_size=BATCH, verbose=0, return_dict=True)
    return model, hist.history, ev
