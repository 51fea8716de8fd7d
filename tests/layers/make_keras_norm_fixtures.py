"""Writes the Keras 3 reference values that the normalization / embedding / pooling /
reshaping layer tests check pyfastfit against.

Needs Keras 3 with the TensorFlow backend (not a pyfastfit dependency). Run once, from the
repository root, with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/layers/make_keras_norm_fixtures.py

It writes `tests/layers/fixtures/keras_norm.npz`. Every input and weight is drawn from
NumPy with fixed seeds and stored in the file, so the tests feed pyfastfit exactly what
Keras saw. Recorded:
- bn_*: BatchNormalization(momentum=0.9, epsilon=1e-3) on a (6, 2, 3) input with given
  gamma/beta/moving statistics: the training-mode output, the moving statistics after
  that call, and the inference-mode output; the same for axis=1 on a (5, 4, 2) input.
- fit_*: the BatchNormalization example pattern of Deep Learning with Python,
  Dense(8, use_bias=False) -> BatchNormalization -> Activation("relu") -> Dense(3,
  softmax), with given initial weights, compiled with SGD(0.1) and sparse categorical
  cross-entropy, `fit` 3 epochs of 4 batches (batch 8, shuffle=False): the history and
  all final weights (gamma, beta, moving_mean, moving_variance included), and `predict`.
- conv_fit_*: the same pattern with convolutions (DLwP's image example),
  Conv2D(4, 3, use_bias=False) -> BatchNormalization -> Activation("relu") ->
  GlobalAveragePooling2D -> Dense(3, softmax) on (16, 6, 6, 2) images, SGD(0.1),
  2 epochs of batch 8, shuffle=False: history and final weights, per layer.
- ln_*: LayerNormalization outputs for axis=-1, axis=[1, 2] and center=False.
- emb_*: Embedding outputs for a given table.
- gp_*: GlobalMax/AveragePooling1D/2D outputs (channels_last and channels_first).
- up_*: UpSampling2D nearest and bilinear outputs, and UpSampling1D.
- `fixtures/keras_norm_model.keras`: a Keras-saved model Embedding -> LayerNormalization
  -> GlobalAveragePooling1D -> Dense -> BatchNormalization -> Dense, fit one epoch so the
  moving statistics are not at their initial values; `saved_x` / `saved_predict` in the
  npz are its inputs and predictions.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures", "keras_norm.npz")


def f32(a):
    return np.asarray(a, dtype=np.float32)


def batch_norm_cases(rng, out):
    for name, shape, axis in (("bn", (6, 2, 3), -1), ("bn_axis1", (5, 4, 2), 1)):
        x = f32(rng.standard_normal(shape) * 2 + 1)
        c = shape[axis]
        weights = [f32(rng.uniform(0.5, 1.5, c)), f32(rng.standard_normal(c)),
                   f32(rng.standard_normal(c) * 0.1), f32(rng.uniform(0.5, 2.0, c))]
        layer = keras.layers.BatchNormalization(axis=axis, momentum=0.9)
        layer.build(shape)
        layer.set_weights(weights)
        out[f"{name}_x"] = x
        for i, w in enumerate(weights):
            out[f"{name}_w{i}"] = w
        out[f"{name}_train"] = np.asarray(layer(x, training=True))
        out[f"{name}_moving"] = np.stack([np.asarray(layer.moving_mean),
                                          np.asarray(layer.moving_variance)])
        out[f"{name}_infer"] = np.asarray(layer(x, training=False))


def fit_case(rng, out):
    x = f32(rng.standard_normal((32, 5)))
    y = rng.integers(0, 3, 32).astype(np.int32)
    model = keras.Sequential([
        keras.Input((5,)),
        keras.layers.Dense(8, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    init = [f32(rng.standard_normal(w.shape) * 0.5) for w in model.get_weights()]
    init[4] = f32(np.abs(init[4]) + 0.5)  # moving_variance > 0 (Keras order)
    model.set_weights(init)
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    hist = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    out["fit_x"], out["fit_y"] = x, y
    for i, w in enumerate(init):
        out[f"fit_init{i}"] = w
    for i, w in enumerate(model.get_weights()):
        out[f"fit_final{i}"] = w
    out["fit_loss"] = f32(hist.history["loss"])
    out["fit_predict"] = model.predict(x, verbose=0)


def conv_fit_case(rng, out):
    x = f32(rng.standard_normal((16, 6, 6, 2)))
    y = rng.integers(0, 3, 16).astype(np.int32)
    model = keras.Sequential([
        keras.Input((6, 6, 2)),
        keras.layers.Conv2D(4, 3, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.Activation("relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3, activation="softmax"),
    ])
    init = [f32(rng.standard_normal(w.shape) * 0.5) for w in model.get_weights()]
    init[4] = f32(np.abs(init[4]) + 0.5)  # moving_variance > 0 (Keras order)
    model.set_weights(init)
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy")
    hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    out["conv_fit_x"], out["conv_fit_y"] = x, y
    for i, w in enumerate(init):
        out[f"conv_fit_init{i}"] = w
    for i, w in enumerate(model.get_weights()):
        out[f"conv_fit_final{i}"] = w
    out["conv_fit_loss"] = f32(hist.history["loss"])


def layer_norm_cases(rng, out):
    x = f32(rng.standard_normal((3, 4, 5)) * 3)
    out["ln_x"] = x
    for name, kwargs, wshape in (("ln_last", {}, (5,)), ("ln_12", {"axis": [1, 2]}, (4, 5)),
                                 ("ln_nocenter", {"center": False}, (5,))):
        layer = keras.layers.LayerNormalization(**kwargs)
        layer.build(x.shape)
        weights = [f32(rng.uniform(0.5, 1.5, wshape))]
        if kwargs.get("center", True):
            weights.append(f32(rng.standard_normal(wshape)))
        layer.set_weights(weights)
        for i, w in enumerate(weights):
            out[f"{name}_w{i}"] = w
        out[f"{name}_out"] = np.asarray(layer(x))


def embedding_case(rng, out):
    table = f32(rng.standard_normal((7, 3)))
    idx = np.array([[0, 6, 2], [3, 3, 1]], dtype=np.int32)
    layer = keras.layers.Embedding(7, 3)
    layer.build()
    layer.set_weights([table])
    out["emb_table"], out["emb_idx"] = table, idx
    out["emb_out"] = np.asarray(layer(idx))


def pooling_cases(rng, out):
    x1 = f32(rng.standard_normal((2, 5, 3)))
    x2 = f32(rng.standard_normal((2, 4, 3, 2)))
    out["gp_x1"], out["gp_x2"] = x1, x2
    for fmt in ("channels_last", "channels_first"):
        out[f"gp_max1_{fmt}"] = np.asarray(keras.layers.GlobalMaxPooling1D(fmt)(x1))
        out[f"gp_avg1_{fmt}"] = np.asarray(keras.layers.GlobalAveragePooling1D(fmt)(x1))
        out[f"gp_max2_{fmt}"] = np.asarray(keras.layers.GlobalMaxPooling2D(fmt)(x2))
        out[f"gp_avg2_{fmt}"] = np.asarray(keras.layers.GlobalAveragePooling2D(fmt)(x2))
    mask = np.array([[True, True, False, True, False], [False, True, True, True, True]])
    out["gp_mask"] = mask
    out["gp_avg1_masked"] = np.asarray(keras.layers.GlobalAveragePooling1D()(x1, mask=mask))


def upsampling_cases(rng, out):
    x = f32(rng.standard_normal((2, 3, 4, 2)))
    out["up_x"] = x
    out["up_nearest"] = np.asarray(keras.layers.UpSampling2D((2, 3))(x))
    out["up_bilinear"] = np.asarray(
        keras.layers.UpSampling2D((2, 3), interpolation="bilinear")(x))
    out["up_bilinear_cf"] = np.asarray(keras.layers.UpSampling2D(
        (3, 2), data_format="channels_first", interpolation="bilinear")(x))
    out["up_1d"] = np.asarray(keras.layers.UpSampling1D(3)(x[:, :, :, 0]))


def saved_model_case(rng, out):
    x = rng.integers(0, 10, (16, 4)).astype(np.int32)
    y = f32(rng.standard_normal((16, 2)))
    model = keras.Sequential([
        keras.Input((4,), dtype="int32"),
        keras.layers.Embedding(10, 3),
        keras.layers.LayerNormalization(),
        keras.layers.GlobalAveragePooling1D(),
        keras.layers.Dense(4),
        keras.layers.BatchNormalization(),
        keras.layers.Dense(2),
    ])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.save(os.path.join(os.path.dirname(OUT), "keras_norm_model.keras"))
    out["saved_x"] = x
    out["saved_predict"] = model.predict(x, verbose=0)


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(12)
    out = {}
    batch_norm_cases(rng, out)
    fit_case(rng, out)
    layer_norm_cases(rng, out)
    embedding_case(rng, out)
    pooling_cases(rng, out)
    upsampling_cases(rng, out)
    saved_model_case(rng, out)
    conv_fit_case(rng, out)
    out["keras_version"] = np.array(keras.__version__)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {OUT} ({len(out)} arrays)")


if __name__ == "__main__":
    main()
