"""Layers of this family (normalization, embedding, global pooling, reshaping, spatial
dropout, noise): those with a fast-path node run fit / evaluate / predict of a
Functional model on it and match the eager path; the others fall back to the eager
path, name the layer in `fast_path_reason`, and give the same predictions as calling
the model."""

import warnings

import numpy as np
import pytest

import pyfastfit as keras

L = keras.layers


def _rms_layer_norm():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning (as Keras)
        return L.LayerNormalization(rms_scaling=True)

FALLBACK = [
    (lambda: L.BatchNormalization(axis=2), (3, 3, 2)),
]
FAST = [
    (lambda: L.GaussianNoise(0.1, seed=1), (4, 3)),
    (lambda: L.BatchNormalization(), (4, 3)),
    (lambda: L.BatchNormalization(axis=1), (4, 3)),
    (lambda: L.LayerNormalization(), (4, 3)),
    (lambda: L.LayerNormalization(axis=1), (4, 3)),
    (lambda: L.LayerNormalization(axis=[1, 2]), (3, 4, 2)),
    (_rms_layer_norm, (4, 3)),
    (lambda: L.GroupNormalization(groups=1), (4, 3)),
    (lambda: L.UnitNormalization(), (4, 3)),
    (lambda: L.GlobalMaxPooling1D(keepdims=True), (4, 3)),
    (lambda: L.GlobalAveragePooling2D(), (3, 3, 2)),
    (lambda: L.UpSampling1D(2), (4, 3)),
    (lambda: L.UpSampling2D(2, interpolation="bilinear"), (3, 3, 2)),
    (lambda: L.UpSampling2D((3, 2), interpolation="bilinear"), (2, 4, 3)),
    (lambda: L.UpSampling2D((1, 2), interpolation="bilinear",
                            data_format="channels_first"), (2, 3, 4)),
    (lambda: L.ZeroPadding1D(1), (4, 3)),
    (lambda: L.ZeroPadding2D(1), (3, 3, 2)),
    (lambda: L.Cropping1D(1), (4, 3)),
    (lambda: L.Cropping2D(1), (3, 3, 2)),
    (lambda: L.RepeatVector(2), (3,)),
    (lambda: L.SpatialDropout1D(0.3, seed=1), (4, 3)),
    (lambda: L.SpatialDropout2D(0.3, seed=1), (3, 3, 2)),
]


def _ids(cases):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [type(m()).__name__ + str(i) for i, (m, _) in enumerate(cases)]


@pytest.mark.parametrize("make,shape", FAST, ids=_ids(FAST))
def test_runs_on_the_fast_path_as_eagerly(make, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8,) + shape).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    results = []
    for fast in (True, False):
        keras.utils.set_random_seed(3)
        inputs = keras.Input(shape)
        model = keras.Model(inputs, L.Dense(1)(L.Flatten()(make()(inputs))))
        model.compile(optimizer="sgd", loss="mse", run_eagerly=not fast)
        hist = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
        assert (model.fast_path_reason is None) == fast
        results.append((hist.history["loss"], model.predict(x, batch_size=4, verbose=0)))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("make,shape", FALLBACK, ids=_ids(FALLBACK))
def test_falls_back_to_the_eager_path(make, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8,) + shape).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning (as Keras)
        layer = make()
    inputs = keras.Input(shape)
    outputs = L.Dense(1)(L.Flatten()(layer(inputs)))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    hist = model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert type(layer).__name__ in model.fast_path_reason
    assert np.isfinite(hist.history["loss"]).all()
    assert np.isfinite(model.evaluate(x, y, verbose=0))
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0),
                               np.asarray(model(x)), rtol=1e-5, atol=1e-6)


def test_embedding_runs_on_the_fast_path():
    x = np.random.default_rng(1).integers(0, 5, (8, 3))
    y = np.zeros((8, 1), np.float32)
    inputs = keras.Input((3,), dtype="int32")
    model = keras.Model(inputs, L.Dense(1)(L.Flatten()(L.Embedding(5, 2)(inputs))))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert model.fast_path_reason is None
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(model(x)),
                               rtol=1e-5, atol=1e-6)
