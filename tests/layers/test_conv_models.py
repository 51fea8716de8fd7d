"""The seed guide's multi-input / multi-output model (Keras's "training & evaluation with
built-in methods" guide: Conv2D + GlobalMaxPooling2D on images, Conv1D +
GlobalMaxPooling1D on time series of any length) runs unchanged, on the fast path (the
time-series length taken from the data)."""

import numpy as np

import pyfastfit as keras
from pyfastfit import layers


def _guide_model():
    image_input = keras.Input(shape=(32, 32, 3), name="img_input")
    timeseries_input = keras.Input(shape=(None, 10), name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(5, name="class_output")(x)
    return keras.Model(inputs=[image_input, timeseries_input],
                       outputs=[score_output, class_output])


def test_seed_guide_multi_io_conv_model_fits():
    keras.utils.set_random_seed(0)
    model = _guide_model()
    conv1d = next(lay for lay in model.layers if isinstance(lay, layers.Conv1D))
    assert conv1d.output.shape == (None, None, 3)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3),
                  loss=[keras.losses.MeanSquaredError(),
                        keras.losses.CategoricalCrossentropy()])
    rng = np.random.default_rng(0)
    img_data = rng.random((100, 32, 32, 3))
    ts_data = rng.random((100, 20, 10))
    score_targets = rng.random((100, 1))
    class_targets = rng.random((100, 5))
    before = model.get_weights()
    history = model.fit([img_data, ts_data], [score_targets, class_targets], batch_size=32,
                        epochs=1, verbose=0)
    assert set(history.history) == {"loss", "score_output_loss", "class_output_loss"}
    assert all(np.isfinite(v[0]) for v in history.history.values())
    # the time series input has an unknown length: the fast path takes it from the data
    assert model.fast_path_reason is None
    after = model.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after))
    # alternatively, fit on dicts
    model.fit({"img_input": img_data, "ts_input": ts_data},
              {"score_output": score_targets, "class_output": class_targets},
              batch_size=32, epochs=1, verbose=0)
    score, classes = model.predict([img_data[:7], ts_data[:7, :13]], verbose=0)
    assert score.shape == (7, 1) and classes.shape == (7, 5)
    assert model.fast_path_reason is None
    eager_score, eager_classes = model([img_data[:7], ts_data[:7, :13]])
    np.testing.assert_allclose(score, eager_score, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(classes, eager_classes, rtol=1e-5, atol=1e-5)
    results = model.evaluate([img_data, ts_data], [score_targets, class_targets],
                             verbose=0, return_dict=True)
    assert np.isfinite(results["loss"])


def test_fixed_length_variant_runs_on_the_fast_path():
    image_input = keras.Input(shape=(8, 8, 3))
    ts_input = keras.Input(shape=(12, 4))
    x1 = layers.GlobalMaxPooling2D()(layers.Conv2D(3, 3, name="img_conv")(image_input))
    x2 = layers.GlobalMaxPooling1D()(layers.Conv1D(3, 3)(ts_input))
    out = layers.Dense(2)(layers.concatenate([x1, x2]))
    model = keras.Model([image_input, ts_input], out)
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    x = [rng.random((16, 8, 8, 3)), rng.random((16, 12, 4))]
    history = model.fit(x, rng.random((16, 2)), batch_size=8, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert model.fast_path_reason is None
    np.testing.assert_allclose(model.predict(x, verbose=0), model(x), rtol=1e-5, atol=1e-6)
