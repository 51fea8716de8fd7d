"""Every layer of this family (normalization, embedding, global pooling, reshaping,
spatial dropout, noise) has no fast-path node yet: fit / evaluate / predict of a
Functional model containing it fall back to the eager path, name the layer in
`fast_path_reason`, and give the same predictions as calling the model."""

import numpy as np
import pytest

import pyfastfit as keras

L = keras.layers
CASES = [
    (lambda: L.BatchNormalization(), (4, 3)),
    (lambda: L.LayerNormalization(), (4, 3)),
    (lambda: L.GlobalMaxPooling1D(keepdims=True), (4, 3)),
    (lambda: L.GlobalAveragePooling2D(), (3, 3, 2)),
    (lambda: L.UpSampling1D(2), (4, 3)),
    (lambda: L.UpSampling2D(2, interpolation="bilinear"), (3, 3, 2)),
    (lambda: L.ZeroPadding1D(1), (4, 3)),
    (lambda: L.ZeroPadding2D(1), (3, 3, 2)),
    (lambda: L.Cropping1D(1), (4, 3)),
    (lambda: L.Cropping2D(1), (3, 3, 2)),
    (lambda: L.RepeatVector(2), (3,)),
    (lambda: L.SpatialDropout1D(0.3, seed=1), (4, 3)),
    (lambda: L.SpatialDropout2D(0.3, seed=1), (3, 3, 2)),
    (lambda: L.GaussianNoise(0.1, seed=1), (4, 3)),
]


@pytest.mark.parametrize("make,shape", CASES,
                         ids=[type(m()).__name__ + str(i) for i, (m, _) in enumerate(CASES)])
def test_falls_back_to_the_eager_path(make, shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8,) + shape).astype(np.float32)
    y = rng.standard_normal((8, 1)).astype(np.float32)
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


def test_embedding_falls_back_to_the_eager_path():
    x = np.random.default_rng(1).integers(0, 5, (8, 3))
    y = np.zeros((8, 1), np.float32)
    inputs = keras.Input((3,), dtype="int32")
    model = keras.Model(inputs, L.Dense(1)(L.Flatten()(L.Embedding(5, 2)(inputs))))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert "Embedding" in model.fast_path_reason
    np.testing.assert_allclose(model.predict(x, verbose=0), np.asarray(model(x)),
                               rtol=1e-5, atol=1e-6)
