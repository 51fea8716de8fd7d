"""More layers on the fast path (transposed and separable convolutions, reshaping,
spatial dropout, embeddings): with one seed, the eager path's results to float32
round-off; and the errors and fallbacks of their corners."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_twins import assert_same, record, twin

K = keras.layers


def _data(shape, n=36, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n,) + shape).astype(np.float32),
            rng.integers(0, 3, n))


def _check(input_shape, layers_, x, y, optimizer="adam", **fit_kw):
    def build():
        m = keras.Sequential([keras.Input(input_shape), *[f() for f in layers_],
                              K.Flatten(), K.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m
    fit_kw.setdefault("batch_size", 8)
    assert_same(*twin(build, lambda m: record(m, x, y, **fit_kw)))


MODELS_2D = {
    "transpose_same_strided": [lambda: K.Conv2DTranspose(4, 3, strides=2, padding="same",
                                                         activation="relu")],
    "transpose_valid_dilated": [lambda: K.Conv2DTranspose(3, (2, 3), dilation_rate=2)],
    "transpose_output_padding": [lambda: K.Conv2DTranspose(2, 3, strides=2,
                                                           output_padding=1)],
    "separable": [lambda: K.SeparableConv2D(5, 3, depth_multiplier=2, activation="tanh",
                                            padding="same")],
    "separable_strided_no_bias": [lambda: K.SeparableConv2D(4, 2, strides=2,
                                                            use_bias=False)],
    "pad_crop_upsample": [lambda: K.ZeroPadding2D(((1, 2), (0, 3))),
                          lambda: K.Conv2D(3, 3, activation="relu"),
                          lambda: K.Cropping2D(((2, 0), (1, 1))),
                          lambda: K.UpSampling2D((2, 3))],
    "spatial_dropout": [lambda: K.Conv2D(4, 3), lambda: K.SpatialDropout2D(0.5),
                        lambda: K.Dropout(0.2, noise_shape=(None, 1, 7, 1))],
}


@pytest.mark.parametrize("name", sorted(MODELS_2D))
def test_2d_layers_match_eager(name):
    x, y = _data((7, 9, 2))
    _check((7, 9, 2), MODELS_2D[name], x, y)


MODELS_1D = {
    "pad_crop_upsample_1d": [lambda: K.ZeroPadding1D((2, 1)), lambda: K.Conv1D(3, 2),
                             lambda: K.Cropping1D((1, 2)), lambda: K.UpSampling1D(3)],
    "spatial_dropout_1d": [lambda: K.Conv1D(4, 3, activation="relu"),
                           lambda: K.SpatialDropout1D(0.4)],
    "gaussian_noise": [lambda: K.GaussianNoise(0.3), lambda: K.Conv1D(4, 3),
                       lambda: K.GaussianNoise(0.1, seed=5)],
    "separable_depthwise_transpose_1d": [
        lambda: K.SeparableConv1D(4, 3, depth_multiplier=2, padding="same",
                                  activation="relu"),
        lambda: K.DepthwiseConv1D(2, strides=2),
        lambda: K.Conv1DTranspose(3, 3, strides=2, padding="same"),
        lambda: K.Conv1DTranspose(2, 2, output_padding=0, dilation_rate=2)],
}


@pytest.mark.parametrize("name", sorted(MODELS_1D))
def test_1d_layers_match_eager(name):
    x, y = _data((11, 3))
    _check((11, 3), MODELS_1D[name], x, y, optimizer="rmsprop")


def test_repeat_vector_and_embedding_match_eager():
    rng = np.random.default_rng(2)
    tokens = rng.integers(0, 20, (40, 6))
    y = rng.integers(0, 3, 40)
    _check((6,), [lambda: K.Embedding(20, 4), lambda: K.Flatten(),
                  lambda: K.Dense(5, activation="relu"), lambda: K.RepeatVector(3),
                  lambda: K.Conv1D(2, 2)], tokens, y, shuffle=True)


def test_embedding_index_out_of_range_is_a_clear_error():
    m = keras.Sequential([keras.Input((3,)), K.Embedding(5, 2, name="emb"), K.Flatten(),
                          K.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    x = np.array([[0, 1, 2], [3, 4, 5]])
    with pytest.raises(ValueError, match=r"Embedding 'emb': indices must lie in \[0, "
                                         r"input_dim=5\)"):
        m.fit(x, np.zeros((2, 1)), epochs=1, verbose=0)
    assert m.fast_path_reason is None  # raised by the fast path's node, as eagerly
    with pytest.raises(ValueError, match="indices must lie in"):
        m.predict(x, verbose=0)


def test_embedding_mask_zero_falls_back_where_the_mask_is_used_otherwise():
    """A mask that reaches the loss (per-step outputs) keeps the model eager; the masked
    GlobalAveragePooling1D runs on the fast path (tests/trainers/
    test_fast_path_norm_layers.py)."""
    m = keras.Sequential([keras.Input((3,)), K.Embedding(5, 2, mask_zero=True),
                          K.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(np.array([[0, 1, 2], [3, 4, 0]]), np.zeros((2, 3, 1)), epochs=1, verbose=0)
    assert "mask_zero" in m.fast_path_reason


@pytest.mark.parametrize("size", [2, (3, 2), (1, 4)])
def test_bilinear_upsampling_matches_eager(size):
    """UpSampling2D(interpolation="bilinear") runs on the fast path (two matmuls by the
    interpolation matrices between permutes, as the eager layer), between convolutions
    so its gradient reaches the first one."""
    x, y = _data((4, 5, 2))
    _check((4, 5, 2), [lambda: K.Conv2D(3, 2, padding="same", activation="tanh"),
                       lambda: K.UpSampling2D(size, interpolation="bilinear"),
                       lambda: K.Conv2D(2, 3)], x, y)


def test_dense_on_sequences_matches_eager():
    """Dense over the last axis of a rank-3 input (batch * steps rows), a softmax per
    step included, as in a text classifier: Embedding -> Dense -> pooling."""
    rng = np.random.default_rng(8)
    tokens = rng.integers(0, 30, (40, 7))
    y = rng.integers(0, 3, 40)
    _check((7,), [lambda: K.Embedding(30, 6), lambda: K.Dense(5, activation="relu"),
                  lambda: K.Dense(4, activation="softmax"),
                  lambda: K.GlobalAveragePooling1D()], tokens, y)


@pytest.mark.parametrize("scale,offset", [
    (1 / 255, 0.0),
    (2.0, -1.0),
    ([0.5, -1.0, 2.0], [0.1, 0.0, -0.3]),  # one per channel
])
def test_rescaling_matches_eager(scale, offset):
    """Rescaling (the image-classification guide's first layer) runs on the fast path,
    scalar or per-channel, feeding a convolution, to float32 round-off of the eager path;
    an inner Rescaling passes its gradient on scaled."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 255, (24, 5, 5, 3)).astype(np.float32)
    y = rng.integers(0, 3, 24)
    _check((5, 5, 3), [lambda: K.Rescaling(scale, offset=offset),
                       lambda: K.Conv2D(3, 3, padding="same"),
                       lambda: K.Rescaling(scale, offset=offset),
                       lambda: K.Conv2D(2, 3)], x, y)


def test_rescaling_with_an_unsupported_broadcast_falls_back():
    m = keras.Sequential([keras.Input((2, 3)), K.Rescaling(np.ones((2, 1))), K.Flatten(),
                          K.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(np.ones((4, 2, 3)), np.zeros((4, 1)), epochs=1, verbose=0)
    assert "one value or one per channel" in m.fast_path_reason


def test_sequences_of_unknown_length_run_on_the_fast_path():
    """Input(shape=(None,)) (the text-classification guide's model): the fast path takes
    the sequence length from the data, matches the eager path, and builds another
    Program for data of another length (fit, evaluate and predict)."""
    rng = np.random.default_rng(4)
    tokens = rng.integers(1, 20, (32, 21))
    y = rng.integers(0, 2, (32, 1)).astype(np.float32)

    def build():
        inputs = keras.Input((None,), dtype="int64")
        h = K.Embedding(20, 4)(inputs)
        h = K.Conv1D(3, 5, strides=3, activation="relu")(h)
        h = K.GlobalMaxPooling1D()(h)
        m = keras.Model(inputs, K.Dense(1, activation="sigmoid")(h))
        m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
        return m

    assert_same(*twin(build, lambda m: record(m, tokens, y, batch_size=8, epochs=2)))
    model = build()
    for length in (21, 12):
        model.fit(tokens[:, :length], y, batch_size=8, epochs=1, verbose=0)
        assert model.fast_path_reason is None
        np.testing.assert_allclose(model.predict(tokens[:5, :length], verbose=0),
                                   model(tokens[:5, :length]), rtol=1e-5, atol=1e-6)
        assert model.fast_path_reason is None
    with pytest.raises(ValueError, match="larger than the padded input"):
        model.predict(tokens[:5, :3], verbose=0)  # too short: the eager layer's error
    assert "empty output" in model.fast_path_reason
