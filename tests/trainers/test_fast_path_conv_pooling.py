"""A convolution read only by a max pooling runs as one fast-path node: its backward
visits only the positions the maxima came from (cpu/conv_sparse.cpp), or for filter
groups of under 8 channels runs by blocks of samples held in cache (cpu/conv_pool.cpp).
Same weights, optimizer state, logs and predictions as the eager path's unfused ops (to
float32 round-off), over strides, padding, dilation, groups, activations, ties,
overlapping and clipped windows, input gradients (a convolution or an embedding before
it) and 1-D / 2-D / 3-D (global and windowed); and no folding where another layer reads
the convolution."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit.trainers.fast_path import graph
from tests.trainers._fast_path_twins import assert_same, record, twin

K = keras.layers


def _data(shape, n=36, seed=0):
    return np.random.default_rng(seed).standard_normal((n,) + shape).astype(np.float32)


def _labels(n, classes=3, seed=1):
    return np.random.default_rng(seed).integers(0, classes, n)


def _model(input_shape, *layers_, optimizer="adam", dtype="float32"):
    def build():
        m = keras.Sequential([keras.Input(input_shape, dtype=dtype), *[f() for f in layers_],
                              K.Dense(3, activation="softmax")])
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m
    return build


def _kinds(model):
    """(kind, names["reduce"]) of each of the model's fast-path nodes."""
    nodes = graph.build_nodes(model)[0]
    return [(n.kind, n.names.get("reduce")) for n in nodes]


CASES = {
    "conv2d_strided_same_groups": (
        (9, 8, 4), [lambda: K.Conv2D(6, 3, strides=2, padding="same", groups=2,
                                     activation="relu"),
                    lambda: K.GlobalMaxPooling2D(keepdims=True), lambda: K.Flatten()]),
    "conv2d_dilated_gelu": (  # gelu's backward reads the pre-activation
        (10, 9, 3), [lambda: K.Conv2D(4, (3, 2), dilation_rate=2, activation="gelu"),
                     lambda: K.GlobalMaxPooling2D()]),
    "conv2d_sigmoid_no_bias": (  # sigmoid's backward reads the output
        (7, 7, 2), [lambda: K.Conv2D(5, 3, use_bias=False, activation="sigmoid"),
                    lambda: K.GlobalMaxPooling2D()]),
    "conv1d_after_conv1d": (  # the input gradient reaches the first convolution
        (16, 3), [lambda: K.Conv1D(4, 3, activation="relu"),
                  lambda: K.Conv1D(6, 3, padding="causal", dilation_rate=2,
                                   activation="elu"),
                  lambda: K.GlobalMaxPooling1D()]),
    "conv1d_strided_same_leaky": (
        (15, 5), [lambda: K.Conv1D(8, 4, strides=3, padding="same"),
                  lambda: K.LeakyReLU(0.2),
                  lambda: K.Conv1D(3, 2, activation="selu"),
                  lambda: K.GlobalMaxPooling1D(keepdims=True), lambda: K.Flatten()]),
    "conv3d": ((5, 6, 5, 2), [lambda: K.Conv3D(3, 2, strides=(1, 2, 1), activation="tanh"),
                              lambda: K.GlobalMaxPooling3D()]),
}


POOL_CASES = {
    "mnist_cnn_tiles": (  # W3's shape: 2x2 windows tiling 10x10, then an odd 3x3 tail
        (12, 12, 8), [lambda: K.Conv2D(8, 3, activation="relu"), lambda: K.MaxPooling2D(2),
                      lambda: K.Conv2D(16, 3, activation="relu"), lambda: K.MaxPooling2D(2),
                      lambda: K.Flatten()]),
    "overlapping_same_windows": (  # windows share positions; "same" clips them
        (9, 8, 8), [lambda: K.Conv2D(8, 2, padding="same", activation="gelu"),
                    lambda: K.MaxPooling2D(3, strides=2, padding="same"),
                    lambda: K.Flatten()]),
    "groups_strided_sigmoid": (
        (11, 9, 16), [lambda: K.Conv2D(6, 3, strides=2, groups=2, activation="sigmoid"),
                      lambda: K.MaxPooling2D((2, 1)), lambda: K.Flatten()]),
    "many_filters_per_position": (  # over 64 entries per filter per tile and per position
        (20, 18, 3), [lambda: K.Conv2D(8, 2, padding="same", activation="relu"),
                      lambda: K.Conv2D(72, 3, padding="same", dilation_rate=(2, 1),
                                       activation="relu"),
                      lambda: K.MaxPooling2D(2), lambda: K.Flatten()]),
    "few_channels_blocks": (  # W3's first layer: under 8 channels, by blocks of samples
        (14, 14, 1), [lambda: K.Conv2D(6, 3, activation="relu"), lambda: K.MaxPooling2D(2),
                      lambda: K.Flatten()]),
    "few_channels_input_grad_gelu": (  # overlapping windows, z kept at the argmax
        (12, 11, 3), [lambda: K.Conv2D(4, 3, activation="relu"),
                      lambda: K.Conv2D(5, 2, padding="same", activation="gelu"),
                      lambda: K.MaxPooling2D(3, strides=2), lambda: K.Flatten()]),
    "few_channels_1d_same": (
        (17, 2), [lambda: K.Conv1D(3, 4, strides=2, padding="same"),
                  lambda: K.MaxPooling1D(2, padding="same"), lambda: K.Flatten()]),
    "conv3d_pool3d": (  # blocked (4 samples a block), then sparse with an input gradient
        (11, 11, 10, 2), [lambda: K.Conv3D(16, 2, activation="relu"),
                          lambda: K.MaxPooling3D((2, 2, 2)),
                          lambda: K.Conv3D(8, (2, 2, 1), padding="same", activation="elu"),
                          lambda: K.MaxPooling3D((2, 2, 3), strides=(1, 2, 2),
                                                 padding="same"),
                          lambda: K.Flatten()]),
    "conv3d_one_depth_slice": (  # 3-D layers over a depth of 1: a 2-D geometry
        (1, 9, 8, 8), [lambda: K.Conv3D(4, (1, 3, 3), activation="relu"),
                       lambda: K.MaxPooling3D((1, 2, 2)), lambda: K.Flatten()]),
    "conv1d_after_conv1d": (  # the input gradient reaches the first convolution
        (20, 9), [lambda: K.Conv1D(12, 3, activation="relu"),
                  lambda: K.Conv1D(5, 3, dilation_rate=2, activation="tanh"),
                  lambda: K.MaxPooling1D(3, strides=2), lambda: K.Flatten()]),
}


@pytest.mark.parametrize("name", sorted(CASES) + sorted(POOL_CASES))
def test_folded_conv_matches_eager(name):
    shape, layers_ = CASES.get(name) or POOL_CASES[name]
    x = _data(shape)
    build = _model(shape, *layers_)
    assert ("conv", "max" if name in CASES else "max_pool") in _kinds(build())
    fast, eager = twin(build, lambda m: record(m, x, _labels(len(x)), batch_size=8,
                                               validation_split=0.25))
    assert_same(fast, eager)


def test_ties_split_the_gradient_as_eager():
    """Constant samples make every valid position tie (the gradient is split evenly
    between them); relu of all-negative outputs ties at zero with no gradient."""
    x = _data((8, 8, 2))
    x[::3] = 1.0
    x[1::3] = -5.0
    build = _model((8, 8, 2), lambda: K.Conv2D(3, 3, activation="relu",
                                               kernel_initializer="ones"),
                   lambda: K.GlobalMaxPooling2D(), optimizer="sgd")
    fast, eager = twin(build, lambda m: record(m, x, _labels(len(x)), batch_size=12))
    assert_same(fast, eager)
    linear = _model((8, 8, 2), lambda: K.Conv2D(3, 3), lambda: K.GlobalMaxPooling2D())
    assert_same(*twin(linear, lambda m: record(m, x, _labels(len(x)), batch_size=12)))
    # 70 filters tied over the same interior positions: one position's entries come in
    # more than one group of 64.
    wide = _model((8, 8, 2), lambda: K.Conv2D(2, 1, kernel_initializer="ones"),
                  lambda: K.Conv2D(70, 3, padding="same", kernel_initializer="ones"),
                  lambda: K.GlobalMaxPooling2D(), optimizer="sgd")
    assert_same(*twin(wide, lambda m: record(m, x, _labels(len(x)), batch_size=12)))


def test_text_cnn_embedding_conv_global_max():
    """The text-classification example's shape: the embedding's gradient comes through
    the folded convolution's input gradient."""
    tokens = np.random.default_rng(2).integers(0, 50, (40, 20))

    def build():
        inp = keras.Input((20,), dtype="int64")
        h = K.Embedding(50, 8)(inp)
        h = K.Conv1D(12, 5, strides=2, activation="relu")(h)
        h = K.GlobalMaxPooling1D()(h)
        m = keras.Model(inp, K.Dense(3, activation="softmax")(h))
        m.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    assert ("conv", "max") in _kinds(build())
    assert_same(*twin(build, lambda m: record(m, tokens, _labels(40), batch_size=16)))


def test_not_folded_where_another_layer_reads_the_conv():
    x = _data((8, 8, 3))

    def build():
        inp = keras.Input((8, 8, 3))
        c = K.Conv2D(4, 3, activation="relu")(inp)
        h = K.Concatenate()([K.GlobalMaxPooling2D()(c), K.GlobalAveragePooling2D()(c)])
        m = keras.Model(inp, K.Dense(3, activation="softmax")(h))
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return m

    assert ("conv", "max") not in _kinds(build())
    assert_same(*twin(build, lambda m: record(m, x, _labels(len(x)), batch_size=8)))


def test_not_folded_with_an_activity_regularizer_on_the_conv():
    x = _data((8, 8, 3))
    build = _model((8, 8, 3),
                   lambda: K.Conv2D(4, 3, activity_regularizer=keras.regularizers.L2(0.01)),
                   lambda: K.GlobalMaxPooling2D(activity_regularizer="l1"))
    kinds = _kinds(build())
    assert ("conv", "max") not in kinds and ("global_pool", None) in kinds
    assert_same(*twin(build, lambda m: record(m, x, _labels(len(x)), batch_size=8)))


def test_pooling_activity_regularizer_stays_with_the_pooled_values():
    x = _data((8, 8, 3))
    build = _model((8, 8, 3), lambda: K.Conv2D(4, 3),
                   lambda: K.GlobalMaxPooling2D(activity_regularizer="l1"))
    assert ("conv", "max") in _kinds(build())
    assert_same(*twin(build, lambda m: record(m, x, _labels(len(x)), batch_size=8)))


def test_nan_input_gives_a_nan_loss_on_both_paths():
    x = _data((6, 6, 2), n=16)
    x[3, 2, 2, 0] = np.nan
    build = _model((6, 6, 2), lambda: K.Conv2D(3, 3), lambda: K.GlobalMaxPooling2D())
    fast, eager = twin(build, lambda m: m.fit(x, _labels(16), batch_size=16, epochs=1,
                                              verbose=0).history["loss"][0])
    assert np.isnan(fast) and np.isnan(eager)
