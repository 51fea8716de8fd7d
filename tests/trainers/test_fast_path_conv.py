"""Convolution and pooling layers on the fast path: with one seed, fit/evaluate/predict
give the eager path's weights, optimizer state, logs and predictions (to float32
round-off), over the layers' argument corners, in Sequential and Functional graphs."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_twins import assert_same, record, twin

K = keras.layers


def _images(n=40, shape=(9, 10, 3), seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n,) + shape).astype(np.float32)


def _labels(n, classes=3, seed=1):
    return np.random.default_rng(seed).integers(0, classes, n)


def _seq(input_shape, *layers_, optimizer="adam", loss="sparse_categorical_crossentropy",
         metrics=("accuracy",)):
    def build():
        m = keras.Sequential([keras.Input(input_shape), *[f() for f in layers_]])
        m.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
        return m
    return build


MODELS_2D = {
    "mnist_cnn": [lambda: K.Conv2D(6, 3, activation="relu"), lambda: K.MaxPooling2D(2),
                  lambda: K.Conv2D(8, 3, activation="relu", padding="same"),
                  lambda: K.MaxPooling2D(2), lambda: K.Flatten()],
    "strides_same_odd": [lambda: K.Conv2D(5, (3, 2), strides=2, padding="same",
                                          activation="tanh"),
                         lambda: K.AveragePooling2D(2, strides=1, padding="same"),
                         lambda: K.GlobalAveragePooling2D()],
    "dilation_groups_no_bias": [lambda: K.Conv2D(6, 3, dilation_rate=2, groups=3,
                                                 use_bias=False),
                                lambda: K.LeakyReLU(0.1),
                                lambda: K.MaxPooling2D((2, 3), strides=(1, 2),
                                                       padding="same"),
                                lambda: K.GlobalMaxPooling2D(keepdims=True),
                                lambda: K.Flatten()],
    "depthwise": [lambda: K.DepthwiseConv2D(3, depth_multiplier=2, activation="elu"),
                  lambda: K.Conv2D(4, 1, activation="sigmoid"),
                  lambda: K.Dropout(0.3), lambda: K.Flatten()],
    "stride_larger_than_kernel": [lambda: K.Conv2D(4, 2, strides=3, activation="gelu"),
                                  lambda: K.MaxPooling2D(2, strides=3), lambda: K.Flatten()],
}


@pytest.mark.parametrize("name", sorted(MODELS_2D))
def test_conv2d_models_match_eager(name):
    x = _images()
    y = _labels(len(x))
    build = _seq(x.shape[1:], *MODELS_2D[name], lambda: K.Dense(3, activation="softmax"))
    fast, eager = twin(build, lambda m: record(m, x, y, batch_size=16,
                                               validation_split=0.25))
    assert_same(fast, eager)


MODELS_1D = {
    "causal_dilated": [lambda: K.Conv1D(5, 3, padding="causal", dilation_rate=2,
                                        activation="relu"),
                       lambda: K.GlobalMaxPooling1D()],
    "strided_same_pool": [lambda: K.Conv1D(4, 4, strides=2, padding="same"),
                          lambda: K.AveragePooling1D(2, padding="same"),
                          lambda: K.MaxPooling1D(2),
                          lambda: K.GlobalAveragePooling1D(keepdims=True),
                          lambda: K.Flatten()],
}


@pytest.mark.parametrize("name", sorted(MODELS_1D))
def test_conv1d_models_match_eager(name):
    x = _images(shape=(17, 3))
    y = _labels(len(x))
    build = _seq(x.shape[1:], *MODELS_1D[name], lambda: K.Dense(3, activation="softmax"),
                 optimizer="rmsprop")
    assert_same(*twin(build, lambda m: record(m, x, y, batch_size=7, shuffle=True)))


def test_regularized_constrained_and_frozen_conv_layers():
    """Weight and activity penalties join the loss, constraints follow each update,
    and a frozen convolution still passes its input gradient on."""
    x = _images(shape=(8, 8, 2))
    y = _labels(len(x))

    def build():
        m = keras.Sequential([
            keras.Input((8, 8, 2)),
            K.Conv2D(4, 3, kernel_regularizer="l2", bias_constraint="non_neg",
                     activity_regularizer=keras.regularizers.L1(0.01), activation="relu"),
            K.Conv2D(4, 3, trainable=False, name="frozen"),
            K.Flatten(), K.Dense(3, activation="softmax")])
        m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
        return m

    assert_same(*twin(build, lambda m: record(m, x, y, batch_size=9)))


def test_multi_input_multi_output_conv_model():
    """The seed guide's shape of model: an image branch (Conv2D + GlobalMaxPooling2D) and
    a time-series branch (Conv1D + GlobalMaxPooling1D), concatenated, two heads."""
    images = _images(30, (8, 8, 1), seed=3)
    series = _images(30, (12, 2), seed=4)
    score = np.random.default_rng(5).random((30, 1)).astype(np.float32)
    cls = _labels(30, 4)

    def build():
        img = keras.Input((8, 8, 1), name="image")
        ts = keras.Input((12, 2), name="series")
        a = K.GlobalMaxPooling2D()(K.Conv2D(3, 3)(img))
        b = K.GlobalMaxPooling1D()(K.Conv1D(3, 3)(ts))
        h = K.Concatenate()([a, b])
        m = keras.Model([img, ts], [K.Dense(1, name="score")(h),
                                    K.Dense(4, activation="softmax", name="cls")(h)])
        m.compile(optimizer="rmsprop", loss=["mse", "sparse_categorical_crossentropy"],
                  loss_weights=[1.0, 0.2])
        return m

    assert_same(*twin(build, lambda m: record(m, [images, series], [score, cls],
                                              batch_size=8)))


CHANNELS_FIRST = {
    "conv_pool_flatten": [lambda: K.Conv2D(4, 3, data_format="channels_first",
                                           activation="relu"),
                          lambda: K.MaxPooling2D(2, data_format="channels_first"),
                          lambda: K.Flatten(data_format="channels_first")],
    "separable_global": [lambda: K.SeparableConv2D(3, 2, data_format="channels_first"),
                         lambda: K.ZeroPadding2D(1, data_format="channels_first"),
                         lambda: K.GlobalAveragePooling2D(data_format="channels_first",
                                                          keepdims=True),
                         lambda: K.Flatten()],
    "transpose_depthwise": [lambda: K.Conv2DTranspose(2, 3, strides=2,
                                                      data_format="channels_first"),
                            lambda: K.DepthwiseConv2D(2, data_format="channels_first"),
                            lambda: K.Permute((3, 1, 2)), lambda: K.Flatten()],
    "conv1d": [lambda: K.Conv1D(3, 2, data_format="channels_first"),
               lambda: K.GlobalMaxPooling1D(data_format="channels_first")],
}


@pytest.mark.parametrize("name", sorted(CHANNELS_FIRST))
def test_channels_first_layers_run_between_permutes(name):
    shape = (3, 5) if name == "conv1d" else (2, 6, 7)
    x = _images(shape=shape)
    y = _labels(len(x))
    build = _seq(shape, *CHANNELS_FIRST[name], lambda: K.Dense(3, activation="softmax"))
    assert_same(*twin(build, lambda m: record(m, x, y, batch_size=8)))


def test_changing_a_conv_setting_rebuilds_the_program():
    """The cache key holds what the translator read: a new activation is not served by
    the Program built for the old one."""
    x = _images(shape=(6, 6, 1))
    m = keras.Sequential([keras.Input((6, 6, 1)), K.Conv2D(2, 3, activation="relu"),
                          K.Flatten()])
    first = m.predict(x, verbose=0)
    m.layers[0].activation = keras.activations.get("tanh")
    second = m.predict(x, verbose=0)
    assert m.fast_path_reason is None
    np.testing.assert_allclose(second, m(x), rtol=1e-6, atol=1e-6)
    assert not np.allclose(first, second)


def test_image_outputs_autoencoder_and_per_pixel_classes():
    """Losses and metrics on N-D outputs (Keras reduces the last axis, then averages
    every position; a sample weight covers its positions): a convolutional autoencoder
    (binary cross-entropy on images) and a per-pixel classifier (sparse labels)."""
    rng = np.random.default_rng(6)
    images = rng.random((24, 8, 8, 1)).astype(np.float32)
    pixels = rng.integers(0, 3, (24, 8, 8))
    weights = rng.random(24).astype(np.float32)

    def build():
        inp = keras.Input((8, 8, 1))
        h = K.Conv2D(4, 3, strides=2, padding="same", activation="relu")(inp)
        recon = K.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid",
                                  name="recon")(h)
        classes = K.Conv2D(3, 1, activation="softmax", name="classes")(
            K.UpSampling2D(2)(h))
        m = keras.Model(inp, [recon, classes])
        m.compile(optimizer="adam",
                  loss={"recon": "binary_crossentropy",
                        "classes": "sparse_categorical_crossentropy"},
                  metrics={"recon": ["mae"], "classes": ["accuracy"]},
                  weighted_metrics={"classes": ["accuracy"]})
        return m

    assert_same(*twin(build, lambda m: record(m, images, [images, pixels],
                                              sample_weight=weights, batch_size=8)))
