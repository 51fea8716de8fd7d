"""Writes the Keras 3 reference values that `test_conv_parity.py` checks pyfastfit against.

Needs Keras 3 with the TensorFlow backend (not a pyfastfit dependency). Run once, from the
repository root, with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/layers/make_keras_conv_fixtures.py

It writes `tests/layers/fixtures/conv_layers.npz`. For each case of `CASES` (a Sequential
model of convolution / pooling layers on a small seeded input) it records, under
`<case>/...`: the input `x`, the target `y`, the initial weights `w0_<i>` (Keras's order),
the model's output `out` and the weights after one `train_on_batch` step of SGD(0.1) on
mean squared error `w1_<i>`. Pooling layers have no weights, so their cases put a Conv
in front of them: the conv's update then goes through the pooling backward.

It also writes `tests/layers/fixtures/conv_model.keras`, a Keras-saved Sequential model
using every layer here (`KERAS_FILE_LAYERS`), and stores its input and output in the npz as
`keras_file/x` and `keras_file/out`.

Importing this module does not import Keras (the tests read `CASES` from it).
"""

import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "conv_layers.npz")

_CONV = ("Conv2D", {"filters": 2, "kernel_size": 2, "padding": "same"})

# (case name, input shape without batch, [(layer class name, kwargs), ...]).
CASES = [
    ("conv1d_valid", (7, 3), [("Conv1D", {"filters": 4, "kernel_size": 3})]),
    ("conv1d_causal_dil", (8, 2), [("Conv1D", {"filters": 3, "kernel_size": 3,
                                               "padding": "causal", "dilation_rate": 2})]),
    ("conv1d_same_s2_relu", (9, 2), [("Conv1D", {"filters": 3, "kernel_size": 4,
                                                 "strides": 2, "padding": "same",
                                                 "activation": "relu"})]),
    ("conv2d_valid", (6, 5, 3), [("Conv2D", {"filters": 4, "kernel_size": (3, 2)})]),
    ("conv2d_same_s2", (7, 6, 2), [("Conv2D", {"filters": 3, "kernel_size": 3,
                                               "strides": 2, "padding": "same",
                                               "activation": "tanh"})]),
    ("conv2d_dilated", (8, 7, 2), [("Conv2D", {"filters": 2, "kernel_size": 3,
                                               "dilation_rate": (2, 1)})]),
    ("conv2d_groups_nobias", (6, 6, 4), [("Conv2D", {"filters": 6, "kernel_size": 3,
                                                     "groups": 2, "use_bias": False})]),
    ("conv2d_channels_first", (3, 6, 5), [("Conv2D", {"filters": 2, "kernel_size": 3,
                                                      "padding": "same",
                                                      "data_format": "channels_first"})]),
    ("conv2dT_same_s2", (4, 3, 2), [("Conv2DTranspose", {"filters": 3, "kernel_size": 3,
                                                         "strides": 2, "padding": "same"})]),
    ("conv2dT_valid_s2", (3, 4, 2), [("Conv2DTranspose", {"filters": 2, "kernel_size": 3,
                                                          "strides": (2, 1)})]),
    ("conv2dT_outpad", (3, 3, 2), [("Conv2DTranspose", {"filters": 2, "kernel_size": 3,
                                                        "strides": 2,
                                                        "output_padding": 1})]),
    ("separable_same", (6, 5, 3), [("SeparableConv2D", {"filters": 4, "kernel_size": 3,
                                                        "padding": "same",
                                                        "depth_multiplier": 2})]),
    ("separable_s2", (7, 7, 2), [("SeparableConv2D", {"filters": 3, "kernel_size": 2,
                                                      "strides": 2,
                                                      "activation": "relu"})]),
    ("depthwise_valid", (6, 5, 3), [("DepthwiseConv2D", {"kernel_size": 3,
                                                         "depth_multiplier": 2})]),
    ("depthwise_same_s2", (7, 6, 2), [("DepthwiseConv2D", {"kernel_size": 3, "strides": 2,
                                                           "padding": "same"})]),
    ("maxpool2d", (6, 6, 1), [_CONV, ("MaxPooling2D", {})]),
    ("maxpool2d_s2_same", (7, 5, 1), [_CONV, ("MaxPooling2D", {"pool_size": 3, "strides": 2,
                                                             "padding": "same"})]),
    ("avgpool2d_same", (5, 7, 1), [_CONV, ("AveragePooling2D", {"pool_size": 2,
                                                                "padding": "same"})]),
    ("avgpool2d_s1", (5, 5, 1), [_CONV, ("AveragePooling2D", {"pool_size": (3, 2),
                                                              "strides": 1})]),
    ("maxpool1d", (9, 2), [("Conv1D", {"filters": 2, "kernel_size": 2}),
                           ("MaxPooling1D", {"pool_size": 3})]),
    ("avgpool1d_same", (8, 2), [("Conv1D", {"filters": 2, "kernel_size": 2}),
                                ("AveragePooling1D", {"pool_size": 3, "strides": 2,
                                                      "padding": "same"})]),
    # strides larger than the kernel (input cells skipped), odd sizes
    ("conv2d_stride_gt_kernel", (7, 8, 2), [("Conv2D", {"filters": 2, "kernel_size": 2,
                                                        "strides": 3})]),
    ("conv2dT_stride_gt_kernel", (3, 2, 1), [("Conv2DTranspose", {"filters": 2,
                                                                  "kernel_size": 2,
                                                                  "strides": 3,
                                                                  "padding": "same"})]),
    ("depthwise_stride_gt_kernel", (5, 7, 2), [("DepthwiseConv2D", {"kernel_size": (1, 3),
                                                                    "strides": 3,
                                                                    "padding": "same"})]),
]


KERAS_FILE = os.path.join(HERE, "fixtures", "conv_model.keras")
KERAS_FILE_LAYERS = [
    ("Conv2D", {"filters": 4, "kernel_size": 3, "padding": "same", "activation": "relu",
                "groups": 2}),
    ("DepthwiseConv2D", {"kernel_size": 2, "depth_multiplier": 2}),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}),
    ("SeparableConv2D", {"filters": 3, "kernel_size": 2, "padding": "same"}),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}),
    ("AveragePooling2D", {"pool_size": 2}),
    ("Flatten", {}),
    ("Dense", {"units": 3}),
]
KERAS_FILE_INPUT = (8, 8, 2)


def build(keras, case):
    """The case's Sequential model (built) in `keras` (Keras or pyfastfit)."""
    _, shape, spec = case
    layers = [getattr(keras.layers, cls)(**kwargs) for cls, kwargs in spec]
    return keras.Sequential([keras.Input(shape=shape)] + layers)


def _channels_last(case):
    name, shape, spec = case
    spec = [(cls, {**kw, "data_format": "channels_last"}) for cls, kw in spec]
    return name, shape[1:] + shape[:1], spec


def main():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    arrays = {}
    for i, case in enumerate(CASES):
        name, shape = case[0], case[1]
        keras.utils.set_random_seed(100 + i)
        rng = np.random.default_rng(100 + i)
        # TensorFlow runs no NCHW convolution on the CPU: a channels_first case is
        # recorded with the channels_last model on transposed data (same weights).
        first = any(kw.get("data_format") == "channels_first" for _, kw in case[2])
        run_case = _channels_last(case) if first else case
        model = build(keras, run_case)
        x = rng.standard_normal((2,) + shape).astype("float32")
        x_run = np.moveaxis(x, 1, -1) if first else x
        # Random non-zero biases, so that the bias path is checked too.
        weights = [w if w.ndim > 1 else rng.standard_normal(w.shape).astype("float32") * 0.1
                   for w in model.get_weights()]
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
    keras.utils.set_random_seed(7)
    model = build(keras, ("keras_file", KERAS_FILE_INPUT, KERAS_FILE_LAYERS))
    model.set_weights([w if w.ndim > 1 else np.full(w.shape, 0.05, "float32")
                       for w in model.get_weights()])
    x = np.random.default_rng(7).standard_normal((3,) + KERAS_FILE_INPUT).astype("float32")
    arrays["keras_file/x"] = x
    arrays["keras_file/out"] = np.asarray(model(x))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    model.save(KERAS_FILE)
    print("wrote", KERAS_FILE, os.path.getsize(KERAS_FILE), "bytes")
    np.savez_compressed(OUT, **arrays)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
