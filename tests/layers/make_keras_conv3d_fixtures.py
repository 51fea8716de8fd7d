"""Writes the Keras 3 reference values that `test_conv3d_parity.py` checks pyfastfit's 3-D
layers against (the 3-D counterpart of `make_keras_conv_fixtures.py`, same format).

Needs Keras 3 with the TensorFlow backend (not a pyfastfit dependency). Run once, from the
repository root, with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/layers/make_keras_conv3d_fixtures.py

It writes `tests/layers/fixtures/conv3d_layers.npz`: for each case of `CASES` (a
Sequential model on a small seeded input) the input `x`, the target `y`, the initial
weights `w0_<i>` (Keras's order), the output `out` and the weights after one
`train_on_batch` step of SGD(0.1) on mean squared error `w1_<i>`. The last case is a
small model shaped like the keras.io "3D image classification from CT scans" one
(Conv3D -> MaxPool3D -> BatchNormalization -> ... -> GlobalAveragePooling3D -> Dense).
It also writes `tests/layers/fixtures/conv3d_model.keras`, a Keras-saved Sequential model
of the 3-D layers (`KERAS_FILE_LAYERS`), with its input and output in the npz as
`keras_file/x` and `keras_file/out`.

Importing this module does not import Keras (the tests read `CASES` from it).
"""

import os
import sys

import numpy as np

# Run as a script from the repository root: `tests` must be importable.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))
from tests.layers.make_keras_conv_fixtures import _channels_last, build  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "conv3d_layers.npz")

_CONV = ("Conv3D", {"filters": 2, "kernel_size": 2, "padding": "same"})

# (case name, input shape without batch, [(layer class name, kwargs), ...]).
CASES = [
    ("conv3d_valid", (4, 5, 6, 3), [("Conv3D", {"filters": 4, "kernel_size": (2, 3, 2)})]),
    ("conv3d_same_s2_relu", (5, 6, 5, 2), [("Conv3D", {"filters": 3, "kernel_size": 3,
                                                       "strides": 2, "padding": "same",
                                                       "activation": "relu"})]),
    ("conv3d_dilated", (6, 5, 7, 2), [("Conv3D", {"filters": 2, "kernel_size": 2,
                                                  "dilation_rate": (2, 1, 3)})]),
    ("conv3d_groups_nobias", (4, 4, 4, 4), [("Conv3D", {"filters": 6, "kernel_size": 3,
                                                        "groups": 2, "use_bias": False,
                                                        "padding": "same"})]),
    ("conv3d_stride_gt_kernel", (7, 5, 8, 2), [("Conv3D", {"filters": 2, "kernel_size": 2,
                                                           "strides": 3})]),
    ("conv3d_channels_first", (3, 4, 5, 4), [("Conv3D", {"filters": 2, "kernel_size": 3,
                                                         "padding": "same",
                                                         "data_format": "channels_first"})]),
    ("maxpool3d", (4, 6, 6, 1), [_CONV, ("MaxPooling3D", {})]),
    ("maxpool3d_s2_same", (5, 7, 5, 1), [_CONV, ("MaxPooling3D", {"pool_size": 3,
                                                                 "strides": 2,
                                                                 "padding": "same"})]),
    ("avgpool3d_same", (5, 3, 7, 1), [_CONV, ("AveragePooling3D", {"pool_size": 2,
                                                                   "padding": "same"})]),
    ("avgpool3d_s1", (4, 5, 5, 1), [_CONV, ("AveragePooling3D", {"pool_size": (2, 3, 2),
                                                                 "strides": 1})]),
    ("global3d", (3, 4, 5, 2), [_CONV, ("GlobalMaxPooling3D", {"keepdims": True}),
                                ("Conv3D", {"filters": 2, "kernel_size": 1}),
                                ("GlobalAveragePooling3D", {})]),
    ("reshaping3d", (3, 4, 3, 2), [("ZeroPadding3D", {"padding": ((1, 0), (2, 1), 1)}),
                                   _CONV,
                                   ("Cropping3D", {"cropping": ((0, 1), 1, (2, 0))}),
                                   ("UpSampling3D", {"size": (2, 1, 3)})]),
    ("ct_scan_like", (10, 10, 10, 1), [
        ("Conv3D", {"filters": 8, "kernel_size": 3, "activation": "relu"}),
        ("MaxPooling3D", {"pool_size": 2}),
        ("BatchNormalization", {}),
        ("Conv3D", {"filters": 8, "kernel_size": 3, "activation": "relu",
                    "padding": "same"}),
        ("MaxPooling3D", {"pool_size": 2}),
        ("BatchNormalization", {}),
        ("GlobalAveragePooling3D", {}),
        ("Dense", {"units": 16, "activation": "relu"}),
        ("Dense", {"units": 1, "activation": "sigmoid"}),
    ]),
]

KERAS_FILE = os.path.join(HERE, "fixtures", "conv3d_model.keras")
KERAS_FILE_LAYERS = [
    ("ZeroPadding3D", {"padding": 1}),
    ("Conv3D", {"filters": 4, "kernel_size": 3, "activation": "relu", "groups": 2}),
    ("MaxPooling3D", {"pool_size": 2, "padding": "same"}),
    ("UpSampling3D", {"size": 2}),
    ("Cropping3D", {"cropping": 1}),
    ("AveragePooling3D", {"pool_size": 2}),
    ("GlobalAveragePooling3D", {}),
    ("Dense", {"units": 3}),
]
KERAS_FILE_INPUT = (6, 6, 6, 2)


def main():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    arrays = {}
    for i, case in enumerate(CASES):
        name, shape = case[0], case[1]
        keras.utils.set_random_seed(200 + i)
        rng = np.random.default_rng(200 + i)
        # TensorFlow runs no NCDHW convolution on the CPU: a channels_first case is
        # recorded with the channels_last model on transposed data (same weights).
        first = any(kw.get("data_format") == "channels_first" for _, kw in case[2])
        run_case = _channels_last(case) if first else case
        model = build(keras, run_case)
        x = rng.standard_normal((2,) + shape).astype("float32")
        x_run = np.moveaxis(x, 1, -1) if first else x
        # Random non-zero biases (and BatchNormalization gammas/betas), so that every
        # weight's path is checked; moving variances stay positive.
        weights = [w if w.ndim > 1 else
                   (np.abs(rng.standard_normal(w.shape)) + 0.5).astype("float32")
                   if v.path.endswith("moving_variance") else
                   rng.standard_normal(w.shape).astype("float32") * 0.1
                   for v, w in zip(model.weights, model.get_weights())]
        model.set_weights(weights)
        out = np.asarray(model(x_run))
        y = rng.standard_normal(out.shape).astype("float32")
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        model.train_on_batch(x_run, y)
        if first:
            out, y = np.moveaxis(out, -1, 1), np.moveaxis(y, -1, 1)
        arrays[f"{name}/x"] = x
        arrays[f"{name}/y"] = y
        arrays[f"{name}/out"] = out
        for j, (w0, w1) in enumerate(zip(weights, model.get_weights())):
            arrays[f"{name}/w0_{j}"] = w0
            arrays[f"{name}/w1_{j}"] = np.asarray(w1)
        print(name, out.shape, [w.shape for w in weights])
    keras.utils.set_random_seed(9)
    model = build(keras, ("keras_file", KERAS_FILE_INPUT, KERAS_FILE_LAYERS))
    model.set_weights([w if w.ndim > 1 else np.full(w.shape, 0.05, "float32")
                       for w in model.get_weights()])
    x = np.random.default_rng(9).standard_normal((3,) + KERAS_FILE_INPUT).astype("float32")
    arrays["keras_file/x"] = x
    arrays["keras_file/out"] = np.asarray(model(x))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    model.save(KERAS_FILE)
    print("wrote", KERAS_FILE, os.path.getsize(KERAS_FILE), "bytes")
    np.savez_compressed(OUT, **arrays)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
