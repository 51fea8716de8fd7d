import numpy as np

import pyfastfit as keras
from pyfastfit import layers, ops


class CustomerTicketModel(keras.Model):
    def __init__(self, num_departments):
        super().__init__()
        self.concat_layer = layers.Concatenate()
        self.mixing_layer = layers.Dense(16, activation="relu")
        self.priority_scorer = layers.Dense(1, activation="sigmoid")
        self.department_classifier = layers.Dense(num_departments, activation="softmax")

    def call(self, inputs):
        features = self.concat_layer([inputs["title"], inputs["text_body"], inputs["tags"]])
        features = self.mixing_layer(features)
        return self.priority_scorer(features), self.department_classifier(features)


def test_subclassed_model_builds_on_first_call():
    model = CustomerTicketModel(4)
    assert model.weights == [] and model.name == "customer_ticket_model"
    rng = np.random.default_rng(0)
    x = {"title": rng.random((2, 20)), "text_body": rng.random((2, 30)),
         "tags": rng.random((2, 5))}
    p, d = model(x)
    assert p.shape == (2, 1) and d.shape == (2, 4)
    assert len(model.trainable_weights) == 6 and len(model.layers) == 4


def test_functional_inside_subclassed_model():
    inputs = keras.Input((3,))
    backbone = keras.Model(inputs, layers.Dense(4, activation="relu")(inputs))

    class Head(keras.Model):
        def __init__(self):
            super().__init__()
            self.backbone = backbone
            self.out = layers.Dense(1)
            self.drop = layers.Dropout(0.5, seed=0)

        def call(self, x, training=False):
            return self.out(self.drop(self.backbone(x)))

    m = Head()
    y = m(np.ones((2, 3), "float32"))
    assert y.shape == (2, 1) and len(m.weights) == 4
    with keras.GradientTape() as tape:
        loss = ops.sum(m(np.ones((2, 3), "float32"), training=True))
    grads = tape.gradient(loss, m.trainable_weights)
    assert all(g is not None for g in grads)


def test_model_build_and_summary_of_subclassed():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    m = M()
    m.build((None, 3))
    assert m.built and m.count_params() == 8
    lines = []
    m.summary(print_fn=lines.append)
    text = "".join(lines)
    assert 'Model: "m' in text and " Total params: 8 (32.00 B)" in text


def test_model_add_loss_and_losses_reset():
    class M(keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(1)

        def call(self, x):
            y = self.d(x)
            self.add_loss(ops.mean(y))
            return y

    m = M()
    m(np.ones((2, 2), "float32"))
    m(np.ones((2, 2), "float32"))
    assert len(m.losses) == 1


def test_get_layer():
    m = keras.Sequential([keras.Input((2,)), layers.Dense(2, name="a"), layers.Dense(1)])
    assert m.get_layer("a") is m.layers[0]
    assert m.get_layer(index=1) is m.layers[1]
    import pytest

    with pytest.raises(ValueError, match="No such layer: b"):
        m.get_layer("b")


def test_functional_subclassing():
    class Wrapped(keras.Model):
        def __init__(self, units):
            inputs = keras.Input((3,))
            super().__init__(inputs, layers.Dense(units)(inputs))
            self.units = units

    m = Wrapped(4)
    assert isinstance(m, Wrapped) and isinstance(m, keras.models.Functional)
    assert m(np.ones((2, 3), "float32")).shape == (2, 4)
    assert m.name.startswith("wrapped") and m.units == 4 and len(m.weights) == 2
