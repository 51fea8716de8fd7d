"""Keras 2 patterns: model.add_loss / add_metric on symbolic tensors of a Functional
model, Layer.add_metric inside call, callable losses, and ops on KerasTensors."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config, layers, ops


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    return x, (x[:, :1] * 0.5 + 0.1).astype("float32")


def _model(loss_coef=0.1, metric=True):
    keras.utils.set_random_seed(3)
    inputs = keras.Input((4,))
    hidden = layers.Dense(8, activation="relu")(inputs)
    out = layers.Dense(1)(hidden)
    model = keras.Model(inputs, out)
    if loss_coef:
        model.add_loss(ops.mean(ops.square(hidden)) * loss_coef)
    if metric:
        model.add_metric(ops.mean(hidden), name="mean_h")
    return model, keras.Model(inputs, hidden)


def test_symbolic_ops_build_graph_nodes():
    x = keras.Input((4,))
    m = ops.mean(ops.square(x), axis=-1)
    assert isinstance(m, layers.KerasTensor) and m.shape == (None,)
    assert ops.shape(x) == (None, 4)
    if hasattr(ops, "ndim") and hasattr(ops, "dtype"):
        assert ops.ndim(x) == 2 and ops.dtype(x) == "float32"
    c = ops.concatenate([x, x * 2.0], axis=-1)
    assert c.shape == (None, 8)
    model = keras.Model(x, [m, c])
    v = np.arange(8, dtype="float32").reshape(2, 4)
    got_m, got_c = model(v)
    assert np.allclose(np.asarray(got_m), np.mean(v ** 2, axis=-1))
    assert np.allclose(np.asarray(got_c), np.concatenate([v, 2 * v], axis=-1))
    # Eager calls are unchanged, and real errors still surface.
    assert float(ops.mean(np.ones(3))) == 1.0
    with pytest.raises(TypeError):
        ops.mean("not a tensor", axis="x")


@pytest.mark.parametrize("namespace,name", [("numpy", "mean"), ("nn", "relu"),
                                             ("math", "logsumexp")])
def test_namespaced_ops_on_symbolic_tensors(namespace, name):
    fn = getattr(getattr(ops, namespace, None), name, None)
    if fn is None:
        pytest.skip(f"ops.{namespace}.{name} is not available")
    x = keras.Input((3,))
    model = keras.Model(x, fn(x))
    v = np.array([[1.0, -2.0, 3.0]], "float32")
    assert np.allclose(np.asarray(model(v)), np.asarray(fn(v)))


def test_added_loss_recomputed_each_call():
    model, hidden_model = _model(metric=False)
    x, _ = _data()
    for part in (x[:10], x[10:30]):
        model(part)
        assert len(model.losses) == 1
        h = np.asarray(hidden_model(part))
        assert np.isclose(float(model.losses[0]), 0.1 * np.mean(h ** 2), rtol=1e-5)


@pytest.mark.parametrize("fast", [True, False])
def test_fit_and_evaluate_include_the_added_loss_and_metric(fast):
    config.set_fast_path_enabled(fast)
    model, hidden_model = _model()
    x, y = _data()
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=16, validation_data=(x, y), verbose=0)
    assert list(hist.history) == ["loss", "mean_h", "val_loss", "val_mean_h"]
    if fast:  # (after the first eager epoch the Mean tracker is the first reason)
        assert "add_loss/add_metric on symbolic tensors" in model.fast_path_reason or \
            "tracks metrics of its own" in model.fast_path_reason
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    pred = np.asarray(model.predict(x, verbose=0))
    h = np.asarray(hidden_model(x))
    expected = np.mean((pred - y) ** 2) + 0.1 * np.mean(h ** 2)
    assert np.isclose(logs["loss"], expected, rtol=1e-4)
    assert np.isclose(logs["mean_h"], h.mean(), rtol=1e-4)
    assert np.isclose(hist.history["val_mean_h"][-1], logs["mean_h"], rtol=1e-4)


def test_fast_path_falls_back_with_a_reason_and_matches_eager():
    x, y = _data()
    runs = []
    for fast in (True, False):
        config.set_fast_path_enabled(fast)
        model, _ = _model(metric=False)
        model.compile(optimizer="sgd", loss="mse")
        hist = model.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
        runs.append(hist.history["loss"])
        if fast:
            assert "add_loss/add_metric on symbolic tensors" in model.fast_path_reason
            model.predict(x, verbose=0)  # outputs do not need the added graph
            assert model.fast_path_reason is None
    assert np.allclose(runs[0], runs[1], rtol=1e-6)
    # Without the added loss the loss is lower: the penalty was really included.
    model, _ = _model(loss_coef=0, metric=False)
    model.compile(optimizer="sgd", loss="mse")
    plain = model.fit(x, y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert plain.history["loss"][0] < runs[0][0]


def test_added_metric_is_reset_each_epoch():
    model, hidden_model = _model(loss_coef=0)
    x, y = _data()
    bias = model.layers[1].bias

    class ShiftBias(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            bias.assign(np.full((8,), float(epoch), "float32"))

    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    hist = model.fit(x, y, epochs=2, batch_size=64, callbacks=[ShiftBias()], verbose=0)
    h = np.asarray(hidden_model(x))  # epoch-2 weights
    assert np.isclose(hist.history["mean_h"][1], h.mean(), rtol=1e-5)
    assert hist.history["mean_h"][0] < hist.history["mean_h"][1] - 0.5


def test_auxiliary_branch_weights_are_trained():
    keras.utils.set_random_seed(0)
    inputs = keras.Input((4,))
    hidden = layers.Dense(8)(inputs)
    aux = layers.Dense(1, name="aux")(hidden)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.add_loss(ops.mean(ops.square(aux - 3.0)))
    aux_layer = model.get_layer("aux") if any(
        lay.name == "aux" for lay in model.layers) else aux._keras_history[0]
    assert any(w is aux_layer.kernel for w in model.trainable_weights)
    before = aux_layer.bias.numpy().copy()
    x, y = _data()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert not np.allclose(aux_layer.bias.numpy(), before)


def test_nested_model_with_added_loss():
    inner, _ = _model(metric=False)
    outer_in = keras.Input((4,))
    outer = keras.Model(outer_in, layers.Dense(1)(inner(outer_in)))
    x, y = _data()
    outer(x)
    assert len(outer.losses) == 1
    outer.compile(optimizer="sgd", loss="mse")
    outer.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert "add_loss/add_metric" in outer.fast_path_reason


def test_symbolic_errors():
    model, _ = _model(loss_coef=0, metric=False)
    hidden = model.layers[1].output
    with pytest.raises(ValueError, match="provide a name"):
        model.add_metric(ops.mean(hidden))
    with pytest.raises(ValueError, match="aggregation='sum'"):
        model.add_metric(ops.mean(hidden), name="m", aggregation="sum")
    model.add_metric(ops.mean(hidden), name="m")
    with pytest.raises(ValueError, match="already added"):
        model.add_metric(ops.max(hidden), name="m")
    other = keras.Input((4,), name="other_input")
    with pytest.raises(ValueError, match="Graph disconnected"):
        model.add_loss(ops.mean(other))
    with pytest.raises(ValueError, match="KerasTensors"):
        model.add_loss([ops.mean(hidden), ops.ones(())])
    with pytest.raises(ValueError, match="not produced by"):
        model.add_loss(layers.KerasTensor(()))
    # A model input itself is a valid metric tensor (no nodes to add).
    model.add_metric(model.inputs[0], name="mean_input")
    # The failed calls added nothing: the two valid metrics, no loss.
    model(_data()[0])
    assert model.losses == []
    assert [m[0] for m in model._added_metric_values] == ["m", "mean_input"]
    assert np.isclose(float(model._added_metric_values[1][1].numpy().mean()),
                      _data()[0].mean(), rtol=1e-5)


class _Stats(layers.Layer):
    def call(self, inputs):
        self.add_metric(ops.max(inputs), name="max_act")
        return inputs


def test_layer_add_metric_inside_call_and_name_required():
    x, y = _data()
    inputs = keras.Input((4,))
    model = keras.Model(inputs, layers.Dense(1)(_Stats()(inputs)))
    model.compile(optimizer="sgd", loss="mse")
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    assert np.isclose(logs["max_act"], x.max(), rtol=1e-6)

    class NoName(layers.Layer):
        def call(self, inputs):
            self.add_metric(ops.mean(inputs))
            return inputs

    with pytest.raises(ValueError, match="provide a name"):
        NoName()(x)


def test_callable_loss_keras2_style():
    keras.utils.set_random_seed(1)
    inputs = keras.Input((4,))
    dense = layers.Dense(3)
    model = keras.Model(inputs, dense(inputs))
    model.add_loss(lambda: 0.5 * ops.sum(ops.square(dense.kernel)))
    model(np.ones((1, 4), "float32"))
    k = dense.kernel.numpy()
    assert len(model.losses) == 1
    assert np.isclose(float(model.losses[0]), 0.5 * np.sum(k ** 2), rtol=1e-5)
    x, _ = _data()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, np.zeros((64, 3), "float32"), epochs=3, batch_size=64, verbose=0)
    assert np.sum(dense.kernel.numpy() ** 2) < np.sum(k ** 2)


def test_symbolic_tensor_rejected_where_it_cannot_be_recorded():
    inputs = keras.Input((4,))
    hidden = layers.Dense(2)(inputs)
    seq = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
    with pytest.raises(ValueError, match="Only a Functional model"):
        seq.add_loss(ops.mean(hidden))
    with pytest.raises(ValueError, match="received a symbolic tensor"):
        layers.Dense(3).add_metric(hidden, name="h")


def test_add_loss_after_a_first_fit_is_picked_up():
    model, hidden_model = _model(loss_coef=0, metric=False)
    x, y = _data()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    first = model.evaluate(x, y, batch_size=64, verbose=0)
    model.fit(x, y, epochs=1, batch_size=64, verbose=0)
    model.add_loss(ops.mean(ops.square(model.layers[1].output)))
    second = model.evaluate(x, y, batch_size=64, verbose=0)
    h = np.asarray(hidden_model(x))
    assert np.isclose(second, first + np.mean(h ** 2), rtol=1e-5)


def test_save_and_load_after_fit(tmp_path):
    model, _ = _model()
    x, y = _data()
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert np.allclose(np.asarray(loaded.predict(x, verbose=0)),
                       np.asarray(model.predict(x, verbose=0)), atol=1e-6)
    # Symbolic losses/metrics are not part of the config (documented): none come back.
    loaded(x)
    assert loaded.losses == []


def test_symbolic_shapes_keep_known_dims_when_reducing_the_batch():
    x = keras.Input((3,))
    assert ops.mean(x, axis=0).shape == (3,)
    assert ops.sum(x, axis=0, keepdims=True).shape == (1, 3)
    assert ops.concatenate([x, x], axis=0).shape == (None, 3)
    pooled = ops.expand_dims(ops.mean(x, axis=0), 0)
    model = keras.Model(x, layers.Dense(2)(pooled))  # Dense builds on the known size 3
    v = np.arange(12, dtype="float32").reshape(4, 3)
    assert np.asarray(model(v)).shape == (1, 2)
    with pytest.raises(ValueError, match="axis"):
        ops.softmax(x, axis=5)  # a real error on a symbolic input still surfaces


def test_metric_aggregation_over_unequal_batches():
    # A per-sample tensor averages over every sample; a scalar per batch averages the
    # batch values (Keras 2's Mean over what add_metric receives).
    keras.utils.set_random_seed(4)
    inputs = keras.Input((4,))
    hidden = layers.Dense(3)(inputs)
    model = keras.Model(inputs, layers.Dense(1)(hidden))
    model.add_metric(ops.mean(hidden, axis=1), name="per_sample")
    model.add_metric(ops.mean(hidden), name="batch_mean")
    model.compile(optimizer="sgd", loss="mse")
    x, y = _data(10)
    logs = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    h = np.asarray(keras.Model(inputs, hidden)(x))
    assert np.isclose(logs["per_sample"], h.mean(), rtol=1e-5, atol=1e-7)
    assert np.isclose(logs["batch_mean"], (h[:8].mean() + h[8:].mean()) / 2,
                      rtol=1e-5, atol=1e-7)
