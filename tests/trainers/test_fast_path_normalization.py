"""BatchNormalization and LayerNormalization on the fast path: with one seed, the eager
path's weights, moving statistics, optimizer state, logs and predictions (to float32
round-off), in training and inference modes, frozen, and inside conv nets."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_twins import assert_same, record, twin

K = keras.layers


def _data(shape, n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal((n,) + shape) * 3 + 1).astype(np.float32)
    return x, rng.integers(0, 3, n)


MODELS = {
    "dense_bn": ((6,), lambda: [K.Dense(8, use_bias=False), K.BatchNormalization(),
                                K.Activation("relu")]),
    "dlwp_conv_bn": ((8, 8, 2), lambda: [K.Conv2D(4, 3, use_bias=False),
                                         K.BatchNormalization(momentum=0.9),
                                         K.Activation("relu"), K.MaxPooling2D(2),
                                         K.Flatten()]),
    "bn_no_scale_center": ((5,), lambda: [K.BatchNormalization(center=False, scale=False,
                                                               epsilon=0.01)]),
    "frozen_bn": ((6,), lambda: [K.Dense(7), K.BatchNormalization(trainable=False)]),
    "channels_first_bn": ((2, 6, 5), lambda: [K.Conv2D(3, 2, data_format="channels_first"),
                                              K.BatchNormalization(axis=1),
                                              K.Flatten()]),
    "layer_norm": ((6,), lambda: [K.Dense(8), K.LayerNormalization(), K.Dropout(0.2)]),
    "layer_norm_2d_axes": ((4, 3), lambda: [K.LayerNormalization(axis=[1, 2], center=False),
                                            K.Flatten()]),
    "layer_norm_conv": ((6, 6, 2), lambda: [K.Conv2D(3, 2), K.LayerNormalization(epsilon=0.1),
                                            K.GlobalAveragePooling2D()]),
    # Non-trailing axes run between two permute nodes (gamma/beta over those axes).
    # (No conv bias: LayerNormalization(axis=1) cancels it, and Adam would turn its
    # zero gradient's round-off into steps.)
    "layer_norm_axis1_conv": ((5, 4, 2), lambda: [K.Conv2D(3, 2, padding="same",
                                                           use_bias=False),
                                                  K.LayerNormalization(axis=1),
                                                  K.Flatten()]),
    "layer_norm_axes_1_2": ((3, 4, 2), lambda: [K.LayerNormalization(axis=[1, 2]),
                                                K.Flatten()]),
    "layer_norm_axes_1_3": ((3, 4, 2), lambda: [K.LayerNormalization(axis=[-1, 1],
                                                                     center=False),
                                                K.Flatten()]),
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_normalization_matches_eager(name):
    shape, make = MODELS[name]
    x, y = _data(shape)

    def build():
        m = keras.Sequential([keras.Input(shape), *make(),
                              K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m

    fast, eager = twin(build, lambda m: record(m, x, y, batch_size=16,
                                               validation_split=0.25))
    assert_same(fast, eager)  # the moving statistics are among the weights compared


def test_moving_statistics_follow_keras_formula_on_the_fast_path():
    """After one full-batch step: moving = moving * momentum + batch * (1 - momentum),
    with the batch's mean and biased variance."""
    x, y = _data((4,), n=32)
    m = keras.Sequential([keras.Input((4,)), K.BatchNormalization(momentum=0.8), K.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(x, y.astype(np.float32), batch_size=32, epochs=1, shuffle=False, verbose=0)
    assert m.fast_path_reason is None
    bn = m.layers[0]
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(np.asarray(bn.moving_mean), 0.2 * x64.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(bn.moving_variance),
                               0.8 + 0.2 * x64.var(0), rtol=1e-5)


def test_batch_norm_over_a_middle_axis_falls_back():
    x, y = _data((2, 4, 3))
    m = keras.Sequential([keras.Input((2, 4, 3)), K.BatchNormalization(axis=2), K.Flatten(),
                          K.Dense(3, activation="softmax")])
    m.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    m.fit(x, y, epochs=1, verbose=0)
    assert "normalizes axis 2" in m.fast_path_reason
