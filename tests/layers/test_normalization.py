"""BatchNormalization and LayerNormalization: NumPy float64 references, gradient checks,
moving statistics, frozen behaviour, errors and Keras 3 parity fixtures."""

import os

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops
from tests.helpers import check_op, numeric_grad
from tests.layers.layer_test_utils import check_layer

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "keras_norm.npz")


def bn_ref(x, gamma, beta, axis, eps=1e-3, mean=None, var=None):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    if mean is None:
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: np.reshape(v, shape)  # noqa: E731
    return r(gamma) * (x - r(mean)) / np.sqrt(r(var) + eps) + r(beta)


def ln_ref(x, gamma, beta, axes, eps=1e-3):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    shape = [x.shape[i] if i in axes else 1 for i in range(x.ndim)]
    out = (x - mean) / np.sqrt(var + eps) * np.reshape(gamma, shape)
    return out if beta is None else out + np.reshape(beta, shape)


def built_bn(shape, axis=-1, seed=0, **kwargs):
    rng = np.random.default_rng(seed)
    layer = keras.layers.BatchNormalization(axis=axis, **kwargs)
    layer.build(shape)
    c = shape[axis]
    layer.set_weights([rng.uniform(0.5, 1.5, c), rng.standard_normal(c),
                       rng.standard_normal(c) * 0.1, rng.uniform(0.5, 2, c)])
    return layer


@pytest.mark.parametrize("shape,axis", [((8, 3), -1), ((4, 3, 5), 1), ((2, 3, 3, 4), -1),
                                        ((1, 4), -1), ((5, 1), -1)])
def test_batch_norm_training_and_inference_match_numpy(shape, axis):
    layer = built_bn(shape, axis)
    gamma, beta, mm, mv = [w.numpy().astype(np.float64) for w in layer.weights]
    x = np.random.default_rng(1).standard_normal(shape).astype(np.float32) * 2 + 1
    check_op(lambda x: layer(x, training=True),
             lambda x: bn_ref(x, gamma, beta, axis), [x], atol=2e-4, rtol=1e-4,
             grad_atol=5e-3, grad_rtol=5e-3)
    # Each training call moves the statistics once more; recompute from its start.
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    layer(x, training=True)
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(layer.moving_mean.numpy(),
                               mm * 0.99 + x64.mean(axis=axes) * 0.01, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(),
                               mv * 0.99 + x64.var(axis=axes) * 0.01, rtol=1e-5, atol=1e-6)
    mm, mv = layer.moving_mean.numpy(), layer.moving_variance.numpy()
    out = layer(x, training=False)
    np.testing.assert_allclose(np.asarray(out), bn_ref(x64, gamma, beta, axis, mean=mm,
                                                       var=mv), atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mm)  # inference: no update


def test_batch_norm_weight_gradients_match_finite_differences():
    layer = built_bn((6, 3))
    x = np.random.default_rng(2).standard_normal((6, 3))
    g0, b0 = layer.gamma.numpy().astype(np.float64), layer.beta.numpy().astype(np.float64)
    for i, wrt in enumerate(("gamma", "beta")):
        f = (lambda g: bn_ref(x, g, b0, -1)) if wrt == "gamma" else \
            (lambda b: bn_ref(x, g0, b, -1))
        num, w = numeric_grad(f, [g0 if wrt == "gamma" else b0], 0)
        with keras.GradientTape() as tape:
            loss = ops.sum(ops.multiply(layer(x.astype(np.float32), training=True),
                                        w.astype(np.float32)))
        grads = tape.gradient(loss, layer.trainable_weights)
        np.testing.assert_allclose(np.asarray(grads[i]), num, atol=2e-3, rtol=2e-3)
    assert [w.name for w in layer.weights] == ["gamma", "beta", "moving_mean",
                                              "moving_variance"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_batch_norm_frozen_runs_in_inference_mode():
    layer = built_bn((6, 3))
    layer.trainable = False
    x = np.random.default_rng(3).standard_normal((6, 3)).astype(np.float32)
    mm = layer.moving_mean.numpy()
    np.testing.assert_allclose(np.asarray(layer(x, training=True)),
                               np.asarray(layer(x, training=False)), rtol=1e-6)
    np.testing.assert_array_equal(layer.moving_mean.numpy(), mm)
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4


def test_batch_norm_options_and_nan():
    layer = keras.layers.BatchNormalization(center=False, scale=False)
    x = np.random.default_rng(4).standard_normal((5, 2)).astype(np.float32)
    out = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(out, bn_ref(x.astype(np.float64), 1.0, 0.0, -1),
                               atol=1e-5)
    assert [w.name for w in layer.weights] == ["moving_mean", "moving_variance"]
    x[0, 0] = np.nan
    out = np.asarray(layer(x, training=True))
    assert np.isnan(out[:, 0]).all() and np.isfinite(out[:, 1]).all()
    # Masked steps are left out of the statistics.
    layer = keras.layers.BatchNormalization(center=False, scale=False, epsilon=1e-6)
    x = np.random.default_rng(5).standard_normal((2, 4, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], dtype=bool)
    out = np.asarray(layer(x, training=True, mask=mask))
    sel = x[mask].astype(np.float64)
    ref = (x - sel.mean(0)) / np.sqrt(sel.var(0) + 1e-6)
    np.testing.assert_allclose(out, ref, atol=1e-4)


def test_batch_norm_layer_battery_and_regularizer():
    check_layer(keras.layers.BatchNormalization, {"momentum": 0.9}, (4, 3), (4, 3),
                num_weights=4, num_trainable=2, call_kwargs={"training": True})
    layer = keras.layers.BatchNormalization(gamma_regularizer=keras.regularizers.L2(0.5),
                                            beta_constraint="non_neg")
    layer.build((None, 3))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(np.asarray(layer.losses[0])), 0.5 * 3, rtol=1e-6)
    config = layer.get_config()
    assert config["beta_constraint"]["class_name"] == "NonNeg"
    assert keras.layers.BatchNormalization.from_config(config).get_config() == config


@pytest.mark.parametrize("kwargs,match", [
    ({"axis": 3}, "out of bounds"), ({"axis": "x"}, "integer `axis`"),
    ({"renorm": True}, "renorm"), ({"epsilon": 0}, "epsilon"),
])
def test_batch_norm_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.layers.BatchNormalization(**kwargs)(np.ones((2, 3), np.float32))


def test_batch_norm_input_checks():
    layer = keras.layers.BatchNormalization()
    layer(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 3"):
        layer(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="expected ndim=2, found ndim=3"):
        layer(np.ones((2, 4, 3), np.float32))
    with pytest.raises(ValueError, match="Axis -1 of the input"):
        keras.layers.BatchNormalization().build((None, None))
    with pytest.raises(ValueError, match="shape"):
        layer.set_weights([np.ones(4)] * 4)


@pytest.mark.parametrize("axis,shape", [(-1, (3, 5)), ([1, 2], (2, 3, 4)), (1, (2, 3, 4)),
                                        (-1, (1, 1))])
def test_layer_norm_matches_numpy_with_gradients(axis, shape):
    layer = keras.layers.LayerNormalization(axis=axis)
    layer.build(shape)
    rng = np.random.default_rng(6)
    wshape = layer.gamma.shape
    g, b = rng.uniform(0.5, 1.5, wshape), rng.standard_normal(wshape)
    layer.set_weights([g, b])
    axes = [a % len(shape) for a in (axis if isinstance(axis, list) else [axis])]
    x = rng.standard_normal(shape).astype(np.float32) * 3
    check_op(layer, lambda x: ln_ref(x, g, b, tuple(axes)), [x], atol=2e-5, rtol=2e-5,
             grad_atol=5e-3, grad_rtol=5e-3)
    num, w = numeric_grad(lambda g_: ln_ref(x.astype(np.float64), g_, b, tuple(axes)),
                          [g], 0)
    with keras.GradientTape() as tape:
        loss = ops.sum(ops.multiply(layer(x), w.astype(np.float32)))
    np.testing.assert_allclose(np.asarray(tape.gradient(loss, layer.gamma)), num,
                               atol=2e-3, rtol=2e-3)


def test_layer_norm_options_battery_and_errors():
    check_layer(keras.layers.LayerNormalization, {"axis": -1}, (4, 3), (4, 3),
                num_weights=2, num_trainable=2)
    layer = keras.layers.LayerNormalization(center=False)
    layer(np.ones((2, 3), np.float32))
    assert [w.name for w in layer.weights] == ["gamma"]
    assert keras.layers.LayerNormalization(scale=False, center=False)(
        np.ones((2, 3), np.float32)) is not None
    with pytest.warns(UserWarning, match="rms_scaling"):
        rms = keras.layers.LayerNormalization(rms_scaling=True)
    x = np.random.default_rng(7).standard_normal((2, 5))
    out = np.asarray(rms(x.astype(np.float32)))
    assert [w.name for w in rms.weights] == ["gamma"]
    np.testing.assert_allclose(out, x / np.sqrt(x.var(-1, keepdims=True) + 1e-3),
                               atol=1e-5)
    with pytest.raises(TypeError, match="axis"):
        keras.layers.LayerNormalization(axis="a")
    with pytest.raises(ValueError, match="out of bounds"):
        keras.layers.LayerNormalization(axis=2)(np.ones((2, 3), np.float32))
    x = np.ones((2, 3), np.float32)
    x[0, 1] = np.nan
    out = np.asarray(keras.layers.LayerNormalization()(x))
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


@pytest.fixture(scope="module")
def fx():
    return np.load(FIXTURES)


@pytest.mark.parametrize("name,axis", [("bn", -1), ("bn_axis1", 1)])
def test_batch_norm_keras_parity(fx, name, axis):
    x = fx[f"{name}_x"]
    layer = keras.layers.BatchNormalization(axis=axis, momentum=0.9)
    layer.build(x.shape)
    layer.set_weights([fx[f"{name}_w{i}"] for i in range(4)])
    np.testing.assert_allclose(np.asarray(layer(x, training=True)), fx[f"{name}_train"],
                               atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(np.stack([layer.moving_mean.numpy(),
                                         layer.moving_variance.numpy()]),
                               fx[f"{name}_moving"], atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), fx[f"{name}_infer"],
                               atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name,kwargs", [("ln_last", {}), ("ln_12", {"axis": [1, 2]}),
                                         ("ln_nocenter", {"center": False})])
def test_layer_norm_keras_parity(fx, name, kwargs):
    layer = keras.layers.LayerNormalization(**kwargs)
    layer.build(fx["ln_x"].shape)
    layer.set_weights([fx[k] for k in (f"{name}_w0", f"{name}_w1") if k in fx])
    np.testing.assert_allclose(np.asarray(layer(fx["ln_x"])), fx[f"{name}_out"],
                               atol=1e-5, rtol=1e-5)


def bn_example_model():
    return keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(8, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])


def test_batch_norm_example_fit_matches_keras(fx):
    """Deep Learning with Python's pattern: Dense -> BatchNormalization -> Activation,
    trained with fit on the C++ fast path, matches Keras's history, weights and moving
    statistics."""
    model = bn_example_model()
    # Keras orders a model's weights layer by layer; set them per layer.
    per_layer = [[0], [1, 2, 3, 4], [], [5, 6]]
    for layer, idx in zip(model.layers, per_layer):
        layer.set_weights([fx[f"fit_init{i}"] for i in idx])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    hist = model.fit(fx["fit_x"], fx["fit_y"], batch_size=8, epochs=3, shuffle=False,
                     verbose=0)
    assert model.fast_path_reason is None
    np.testing.assert_allclose(hist.history["loss"], fx["fit_loss"], rtol=1e-4, atol=1e-5)
    for layer, idx in zip(model.layers, per_layer):
        for w, i in zip(layer.get_weights(), idx):
            np.testing.assert_allclose(w, fx[f"fit_final{i}"], atol=1e-4, rtol=1e-4,
                                       err_msg=f"weight {i}")
    predicted = model.predict(fx["fit_x"], verbose=0)
    assert np.isfinite(predicted).all()
    np.testing.assert_allclose(predicted, fx["fit_predict"], atol=1e-4)


def test_keras_saved_model_loads_and_round_trips(fx, tmp_path):
    """A `.keras` file written by Keras 3 (Embedding, LayerNormalization, global pooling,
    BatchNormalization with trained moving statistics) loads and predicts as Keras did;
    pyfastfit's own save/load keeps every weight, moving statistics included."""
    path = os.path.join(os.path.dirname(FIXTURES), "keras_norm_model.keras")
    model = keras.saving.load_model(path)
    bn = model.layers[4]
    assert type(bn) is keras.layers.BatchNormalization
    assert not np.allclose(bn.moving_variance.numpy(), 1.0)
    np.testing.assert_allclose(model.predict(fx["saved_x"], verbose=0),
                               fx["saved_predict"], atol=1e-5, rtol=1e-5)
    again_path = str(tmp_path / "again.keras")
    model.save(again_path)
    again = keras.saving.load_model(again_path)
    for a, b in zip(model.weights, again.weights):
        assert a.name == b.name
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(again.predict(fx["saved_x"], verbose=0),
                                  model.predict(fx["saved_x"], verbose=0))


def test_conv_batch_norm_example_fit_matches_keras(fx):
    """DLwP's image pattern, Conv2D -> BatchNormalization -> Activation, fit on the
    eager path; needs the Conv2D layer (issue 12's convolution part)."""
    if not hasattr(keras.layers, "Conv2D"):
        pytest.skip("Conv2D is not in pyfastfit.layers yet")
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        keras.layers.Conv2D(4, 3, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    per_layer = [[0], [1, 2, 3, 4], [], [], [5, 6]]
    for layer, idx in zip(model.layers, per_layer):
        layer.set_weights([fx[f"conv_fit_init{i}"] for i in idx])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    hist = model.fit(fx["conv_fit_x"], fx["conv_fit_y"], batch_size=8, epochs=2,
                     shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], fx["conv_fit_loss"], rtol=1e-4,
                               atol=1e-5)
    for layer, idx in zip(model.layers, per_layer):
        for w, i in zip(layer.get_weights(), idx):
            np.testing.assert_allclose(w, fx[f"conv_fit_final{i}"], atol=1e-4, rtol=1e-4,
                                       err_msg=f"weight {i}")
