"""End-to-end: the Keras guide's MNIST MLP in the three model styles, and the
chapter-7 customer-ticket model (3 inputs, 2 outputs) with list and dict data."""

import gzip

import numpy as np
import pytest

keras = pytest.importorskip("pyfastfit")
layers = pytest.importorskip("pyfastfit.layers")
pytest.importorskip("pyfastfit.models")
pytest.importorskip("pyfastfit.losses")
pytest.importorskip("pyfastfit.metrics")

KEYS = ["loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy"]


def _load(mnist_dir):
    with gzip.open(mnist_dir / "t10k-images-idx3-ubyte.gz", "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(mnist_dir / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = x.astype("float32") / 255
    y = y.astype("float32")
    return (x[:8000], y[:8000]), (x[8000:], y[8000:])


def _functional():
    inputs = keras.Input(shape=(784,), name="digits")
    x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
    x = layers.Dense(64, activation="relu", name="dense_2")(x)
    outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def _sequential():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def _subclassed():
    class MLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense_1 = layers.Dense(64, activation="relu")
            self.dense_2 = layers.Dense(64, activation="relu")
            self.out = layers.Dense(10, activation="softmax")

        def call(self, inputs):
            return self.out(self.dense_2(self.dense_1(inputs)))

    return MLP()


@pytest.mark.slow
@pytest.mark.parametrize("build", [_functional, _sequential, _subclassed])
def test_guide_mlp_reaches_keras_accuracy(mnist_dir, build):
    (x_train, y_train), (x_val, y_val) = _load(mnist_dir)
    keras.utils.set_random_seed(0)
    model = build()
    model.compile(
        optimizer=keras.optimizers.RMSprop(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    history = model.fit(x_train, y_train, batch_size=64, epochs=5,
                        validation_data=(x_val, y_val), verbose=0)
    assert list(history.history) == KEYS
    val_acc = history.history["val_sparse_categorical_accuracy"]
    assert val_acc[1] >= 0.90, val_acc
    assert val_acc[4] >= 0.92, val_acc
    loss, acc = model.evaluate(x_val, y_val, batch_size=128, verbose=0)
    assert acc == pytest.approx(val_acc[4], abs=1e-6)
    preds = model.predict(x_val[:3], verbose=0)
    assert preds.shape == (3, 10)


VOCAB, TAGS, DEPTS, N = 500, 20, 4, 256


def _ticket_data(seed=0):
    rng = np.random.default_rng(seed)
    title = rng.integers(0, 2, size=(N, VOCAB)).astype("float32")
    body = rng.integers(0, 2, size=(N, VOCAB)).astype("float32")
    tags = rng.integers(0, 2, size=(N, TAGS)).astype("float32")
    priority = rng.random(size=(N, 1)).astype("float32")
    department = np.eye(DEPTS, dtype="float32")[rng.integers(0, DEPTS, size=N)]
    return title, body, tags, priority, department


def _ticket_model():
    title = keras.Input(shape=(VOCAB,), name="title")
    text_body = keras.Input(shape=(VOCAB,), name="text_body")
    tags = keras.Input(shape=(TAGS,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(64, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(DEPTS, activation="softmax", name="department")(features)
    return keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])


TICKET_KEYS = ["department_accuracy", "department_loss", "loss", "priority_loss",
               "priority_mean_absolute_error"]


def test_customer_ticket_model_list_data():
    title, body, tags, priority, department = _ticket_data()
    model = _ticket_model()
    model.compile(optimizer="rmsprop",
                  loss=["mean_squared_error", "categorical_crossentropy"],
                  metrics=[["mean_absolute_error"], ["accuracy"]])
    h = model.fit([title, body, tags], [priority, department], epochs=1, verbose=0)
    assert list(h.history) == TICKET_KEYS
    results = model.evaluate([title, body, tags], [priority, department], verbose=0)
    assert len(results) == 5
    priority_preds, department_preds = model.predict([title, body, tags], verbose=0)
    assert priority_preds.shape == (N, 1) and department_preds.shape == (N, DEPTS)


def test_customer_ticket_model_dict_data():
    title, body, tags, priority, department = _ticket_data()
    model = _ticket_model()
    model.compile(optimizer="rmsprop",
                  loss={"priority": "mean_squared_error",
                        "department": "categorical_crossentropy"},
                  metrics={"priority": ["mean_absolute_error"],
                           "department": ["accuracy"]})
    x = {"title": title, "text_body": body, "tags": tags}
    y = {"priority": priority, "department": department}
    h = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert list(h.history) == TICKET_KEYS + ["val_" + k for k in TICKET_KEYS]
    logs = model.evaluate(x, y, verbose=0, return_dict=True)
    assert logs["loss"] == pytest.approx(logs["priority_loss"] + logs["department_loss"],
                                         rel=1e-4)
    preds = model.predict(x, verbose=0)
    assert [p.shape for p in preds] == [(N, 1), (N, DEPTS)]
