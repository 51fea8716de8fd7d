"""Conv3D, the 3-D poolings (the 2-D conv / pool nodes with their "depth" numbers) and
the 3-D reshaping layers (two 2-D window / upsample nodes each) and Conv3DTranspose on the
fast path: with
one seed, the eager path's results to float32 round-off."""

import numpy as np
import pytest

import pyfastfit as keras
from tests.trainers._fast_path_twins import assert_same, record, twin

K = keras.layers

MODELS = {
    # No bias before the BatchNormalization: its gradient is round-off where relu passes
    # every pooled value (the normalization cancels a shift), which Adam scales up to
    # learning-rate steps, so its value after training depends on summation order (the
    # fast path folds the conv and the pooling into one node).
    "ct_scan_like": [lambda: K.Conv3D(6, 3, activation="relu", use_bias=False),
                     lambda: K.MaxPool3D(2),
                     lambda: K.BatchNormalization(),
                     lambda: K.Conv3D(4, 3, padding="same", activation="relu"),
                     lambda: K.GlobalAveragePooling3D()],
    "strided_dilated_groups": [lambda: K.Conv3D(4, 2, strides=(1, 2, 3), padding="same"),
                               lambda: K.Conv3D(6, 2, dilation_rate=(2, 1, 1), groups=2,
                                                activation="tanh"),
                               lambda: K.AveragePooling3D(2, strides=1, padding="same"),
                               lambda: K.GlobalMaxPooling3D(keepdims=True)],
    "pad_crop_upsample": [lambda: K.ZeroPadding3D(((1, 2), (0, 1), (3, 0))),
                          lambda: K.Conv3D(3, 2, activation="relu"),
                          lambda: K.Cropping3D(((2, 0), (1, 1), (0, 2))),
                          lambda: K.UpSampling3D((2, 1, 3))],
    "transposed": [lambda: K.Conv3D(4, 2, strides=2, activation="relu"),
                   lambda: K.Conv3DTranspose(3, 3, strides=2, padding="same",
                                             activation="relu"),
                   lambda: K.Conv3DTranspose(2, (2, 1, 3), strides=(1, 2, 1),
                                             output_padding=(0, 1, 0))],
    "pools_same_odd": [lambda: K.Conv3D(3, (1, 3, 2), use_bias=False),
                       lambda: K.MaxPooling3D(3, strides=2, padding="same"),
                       lambda: K.AveragePooling3D((1, 2, 1))],
}


@pytest.mark.parametrize("name", sorted(MODELS))
def test_3d_layers_match_eager(name):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 6, 7, 6, 2)).astype(np.float32)
    y = rng.integers(0, 3, 20)

    def build():
        m = keras.Sequential([keras.Input((6, 7, 6, 2)), *[f() for f in MODELS[name]],
                              K.Flatten(), K.Dense(3, activation="softmax")])
        m.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
        return m
    assert_same(*twin(build, lambda m: record(m, x, y, batch_size=8)))
