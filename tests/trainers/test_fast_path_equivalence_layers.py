"""Fast path vs eager path, per layer kind: with one seed, N steps give the same weights,
losses, metrics and Dropout call counters to float32 round-off for each Dense activation,
activation layer (Softmax output included), Dense without bias, Flatten/Reshape, stacked
Dropouts, weightless output nodes, and frozen or re-frozen layers."""

import pytest

import pyfastfit as keras
from tests.trainers._fast_path_cases import X, Y3
from tests.trainers._fast_path_twins import (
    assert_same,
    mlp,
    one_hot,
    record,
    twin,
)

K = keras.layers
O = keras.optimizers


# ---------------------------------------------------------------------- activations
DENSE_ACTIVATIONS = ["relu", "sigmoid", "tanh", "linear", "gelu", "elu", "selu", "softplus",
                     "softsign", "swish", "silu", "relu6", "hard_sigmoid",
                     "exponential", "log_softmax"]


@pytest.mark.parametrize("activation", DENSE_ACTIVATIONS)
def test_dense_activations(activation):
    def build():
        if activation == "exponential":  # keep exp() small
            body = [K.Dense(12, activation="tanh"), K.Dense(6, activation=activation)]
        else:
            body = [K.Dense(12, activation=activation), K.Dense(6, activation=activation)]
        m = keras.Sequential([keras.Input((8,))] + body + [K.Dense(3)])
        m.compile(optimizer=O.Adam(0.01),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_activation_layers():
    def build():
        m = keras.Sequential([
            keras.Input((8,)), K.Dense(10), K.ReLU(), K.Dense(10), K.LeakyReLU(0.2),
            K.Dropout(0.1), K.Dense(10), K.Activation("tanh"), K.Dense(10),
            K.Activation("selu"), K.Dense(10), K.Activation(keras.activations.gelu),
            K.Dense(10), K.Activation("swish"), K.Dense(3)])
        m.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


ACTIVATION_LAYERS = {
    "ReLU": lambda: K.ReLU(), "LeakyReLU": lambda: K.LeakyReLU(0.3),
    "Softmax": lambda: K.Softmax(), "Activation_softmax": lambda: K.Activation("softmax"),
    "Activation_log_softmax": lambda: K.Activation("log_softmax"),
    **{f"Activation_{a}": (lambda a=a: K.Activation(a))
       for a in ["relu", "tanh", "sigmoid", "linear", "relu6", "hard_sigmoid", "selu",
                 "softplus", "softsign", "swish", "gelu"]},
}


@pytest.mark.parametrize("name", sorted(ACTIVATION_LAYERS))
def test_activation_layer_kinds(name):
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(10), ACTIVATION_LAYERS[name](),
                              K.Dense(3), ACTIVATION_LAYERS[name]()])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, one_hot(Y3, 3))))


@pytest.mark.parametrize("layer", ["Softmax", "Activation_softmax"])
def test_softmax_layer_output_with_crossentropy(layer):
    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(12, activation="relu"),
                              K.Dropout(0.2), K.Dense(3), ACTIVATION_LAYERS[layer]()])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy", keras.metrics.SparseTopKCategoricalAccuracy(k=2)])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3, validation_split=0.2)))


# ---------------------------------------------------------------------- layers
def test_dense_without_bias():
    def build():
        m = keras.Sequential([keras.Input((8,)),
                              K.Dense(16, activation="relu", use_bias=False),
                              K.Dropout(0.3), K.Dense(1, use_bias=False),
                              K.Dense(3, activation="softmax", use_bias=False)])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_flatten_reshape_rank3_input():
    x3 = X.reshape(-1, 2, 4)

    def build():
        m = keras.Sequential([
            keras.Input((2, 4)), K.Flatten(), K.Dense(12, activation="relu"),
            K.Reshape((3, 4)), K.Flatten(), K.Dropout(0.3), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, x3, Y3, eval_data=(x3, Y3), predict_x=x3)))


def test_stacked_dropouts():
    def build():
        m = keras.Sequential([
            keras.Input((8,)), K.Dense(16, activation="relu"),
            K.Dropout(0.5), K.Dropout(0.2, seed=3), K.Dense(16, activation="relu"),
            K.Dropout(0.4), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    fast, eager = twin(build, lambda m: record(m, X, Y3, epochs=3))
    assert_same(fast, eager)
    assert fast["dropout"] == [30, 30, 30]


@pytest.mark.parametrize("last", ["Flatten", "Reshape", "Dropout"])
def test_output_node_without_weights(last):
    """The loss reads a node that aliases or masks the previous one."""
    tail = {"Flatten": lambda: K.Flatten(), "Reshape": lambda: K.Reshape((3,)),
            "Dropout": lambda: K.Dropout(0.3)}[last]

    def build():
        m = keras.Sequential([keras.Input((8,)), K.Dense(8, activation="relu"), K.Dense(3),
                              tail()])
        m.compile(optimizer="adam", loss="mse", metrics=["mae"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, one_hot(Y3, 3))))


# ---------------------------------------------------------------------- frozen layers
@pytest.mark.parametrize("frozen", ["first", "middle", "last"])
def test_frozen_layers(frozen):
    def build():
        layers = [K.Dense(12, activation="relu"), K.Dense(12, activation="tanh"),
                  K.Dense(3, activation="softmax")]
        layers[{"first": 0, "middle": 1, "last": 2}[frozen]].trainable = False
        m = keras.Sequential([keras.Input((8,))] + layers)
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, X, Y3)))


def test_trainable_toggled_between_fits():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.layers[0].trainable = False
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(lambda: mlp(3, "softmax", loss="sparse_categorical_crossentropy"),
                      run))
