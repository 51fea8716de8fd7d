import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops


class Linear(keras.layers.Layer):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), name="w")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs):
        return ops.add(ops.matmul(inputs, self.w), self.b)


class Recorder(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.seen = []

    def call(self, inputs, training=None):
        self.seen.append(training)
        return inputs


class Outer(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.inner = Recorder()
        self.blocks = [Linear(2), Linear(2)]
        self.by_name = {"a": Linear(2)}

    def call(self, inputs, training=None):
        x = self.inner(inputs)
        for b in self.blocks:
            x = b(x)
        return self.by_name["a"](x)


def test_lazy_build_and_weights():
    layer = Linear(4)
    assert not layer.built and layer.weights == []
    y = layer(np.ones((2, 3), "float32"))
    assert layer.built and y.shape == (2, 4)
    assert [w.name for w in layer.weights] == ["w", "b"]
    assert layer.count_params() == 16


def test_tracking_lists_dicts_and_training_propagation():
    outer = Outer()
    outer(np.ones((1, 2), "float32"), training=True)
    outer(np.ones((1, 2), "float32"))
    assert outer.inner.seen == [True, None]
    assert len(outer.weights) == 6
    assert len(outer.layers) == 4


def test_training_default_from_signature_and_explicit_override():
    class Inner(keras.layers.Layer):
        def call(self, x, training=False):
            self.t = training
            return x

    class Wrap(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Inner()

        def call(self, x, training=None):
            self.inner(x, training=False)
            return x

    inner = Inner()
    inner(np.ones((1,), "float32"))
    assert inner.t is False
    w = Wrap()
    w(np.ones((1,), "float32"), training=True)
    assert w.inner.t is False


def test_losses_cleared_per_top_level_call_and_regularizers():
    class Act(keras.layers.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x))
            return x

    class Model(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.act = Act()
            self.dense = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5))

        def call(self, x):
            return self.dense(self.act(x))

    m = Model()
    m(np.ones((1, 3), "float32"))
    assert len(m.losses) == 2
    m(np.ones((1, 3), "float32"))
    assert len(m.losses) == 2
    k = m.dense.kernel.numpy()
    np.testing.assert_allclose(float(m.losses[1]), 0.5 * (k ** 2).sum(), rtol=1e-5)


def test_add_metric_recorded():
    class M(keras.layers.Layer):
        def call(self, x):
            self.add_metric(ops.mean(x), name="avg")
            return x

    layer = M()
    layer(np.ones((2, 2), "float32"))
    [(name, value, agg)] = layer._added_metric_values
    assert name == "avg" and float(value) == 1.0 and agg == "mean"


def test_trainable_freezes_nested():
    outer = Outer()
    outer(np.ones((1, 2), "float32"))
    outer.trainable = False
    assert outer.trainable_weights == [] and len(outer.non_trainable_weights) == 6
    with keras.GradientTape() as tape:
        y = ops.sum(outer(np.ones((1, 2), "float32")))
    assert tape.gradient(y, outer.blocks[0].w) is None
    outer.trainable = True
    assert len(outer.trainable_weights) == 6
    outer.blocks[0].trainable = False
    assert len(outer.trainable_weights) == 4


def test_several_positional_tensors():
    class LossLayer(keras.layers.Layer):
        def call(self, targets, logits, sample_weights=None):
            loss = ops.mean(ops.square(ops.subtract(targets, logits)))
            self.add_loss(loss)
            return logits

    t, lg = keras.Input((2,)), keras.Input((2,))
    out = LossLayer()(t, lg)
    assert out.shape == (None, 2)
    layer = LossLayer()
    layer(np.zeros((1, 2), "float32"), np.ones((1, 2), "float32"))
    np.testing.assert_allclose(float(layer.losses[0]), 1.0)


def test_names_unique_and_clear_session():
    keras.backend.clear_session()
    assert [layers.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert Linear().name == "linear"
    keras.backend.clear_session()
    assert layers.Dense(1).name == "dense"


def test_get_set_weights_errors():
    layer = Linear(2)
    layer(np.ones((1, 3), "float32"))
    w = layer.get_weights()
    layer.set_weights([np.ones_like(a) for a in w])
    np.testing.assert_array_equal(layer.w.numpy(), 1.0)
    with pytest.raises(ValueError, match="expecting 2 weights"):
        layer.set_weights(w[:1])
    with pytest.raises(ValueError, match=r"\(3, 2\) is not compatible .* \(2, 2\)"):
        layer.set_weights([np.ones((2, 2)), w[1]])


def test_count_params_unbuilt():
    with pytest.raises(ValueError, match="isn't built"):
        layers.Dense(2).count_params()


def test_symbolic_standin_for_layer_without_compute_output_shape():
    sym = Linear(5)(keras.Input((3,)))
    assert sym.shape == (None, 5)
    assert sym._keras_history[0].built


def test_input_output_properties():
    x = keras.Input((3,))
    d = layers.Dense(2)
    y = d(x)
    assert d.input is x and d.output is y
    with pytest.raises(AttributeError, match="no inbound nodes"):
        layers.Dense(2).output


def test_get_config_from_config_custom():
    layer = layers.Dense(3, name="d", activation="relu", kernel_regularizer="l2")
    config = layer.get_config()
    assert config["units"] == 3 and config["activation"] == "relu"
    clone = layers.Dense.from_config(config)
    assert clone.name == "d" and clone.get_config() == config
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        layers.Dense(2, foo=1)


def test_list_attribute_mutated_after_assignment_is_tracked():
    class Stack(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = []
            for _ in range(3):
                self.blocks.append(layers.Dense(2))

        def call(self, x):
            for b in self.blocks:
                x = b(x)
            return x

    s = Stack()
    assert s.weights == []
    s(np.ones((1, 2), "float32"))
    assert len(s.weights) == 6 and len(s.trainable_weights) == 6


def test_build_config_round_trip_through_serialize():
    layer = layers.Dense(3)
    layer(np.ones((2, 5), "float32"))
    cfg = keras.layers.serialize(layer)
    assert cfg["build_config"] == {"input_shape": [2, 5]}
    assert cfg["module"] == "keras.layers" and cfg["class_name"] == "Dense"
    clone = keras.layers.deserialize(cfg)
    assert clone.built and clone.kernel.shape == (5, 3)
