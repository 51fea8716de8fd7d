"""The keras.io examples of `guide_cases.py` run as their guides run them (dropout and
sampling noise on, their callbacks, real data where the repository has it), on small
data and few epochs: they must train (the loss falls, the accuracy is above chance),
save and reload, and take the execution path the model allows.

The values themselves are checked against Keras 3 in `test_keras_guides.py`.
"""

import gzip
import os

import numpy as np
import pytest

import pyfastfit as keras
from tests.integration import guide_cases as gc
from tests.integration._compiled import replayed

MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared",
                     "data", "mnist")


def _mnist(n):
    """The first `n` MNIST test images (28x28x1 in [0, 1]) and labels, or a skip."""
    path = os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        pytest.skip("the MNIST files of ../shared/data/mnist are not here")
    with gzip.open(path, "rb") as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28, 1)[:n]
    with gzip.open(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)[:n]
    return x.astype("float32") / 255, y


def test_simple_mnist_convnet():
    """keras.io "Simple MNIST convnet": one-hot labels, validation_split=0.1, then
    evaluate on held-out images; on the C++ fast path throughout."""
    x, y = _mnist(3000)
    keras.utils.set_random_seed(1)
    model = gc.mnist_convnet(keras).model
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    y_cat = keras.utils.to_categorical(y, 10)
    history = model.fit(x[:2500], y_cat[:2500], batch_size=128, epochs=3,
                        validation_split=0.1, verbose=0)
    assert model.fast_path_reason is None
    h = history.history
    assert h["loss"][-1] < h["loss"][0]
    assert h["val_accuracy"][-1] > 0.7, h
    score = model.evaluate(x[2500:], y_cat[2500:], verbose=0)
    assert model.fast_path_reason is None
    assert score[1] > 0.7 and score[0] < h["loss"][0], score


def test_timeseries_classification_with_its_callbacks(tmp_path):
    """keras.io "Timeseries classification from scratch": ModelCheckpoint(best only),
    ReduceLROnPlateau and EarlyStopping on val_loss; the best model reloads and
    evaluates as the checkpoint saved it."""
    keras.utils.set_random_seed(2)
    case = gc.timeseries_fcn(keras, n=120)
    model = case.model
    model.compile(**case.compile_kwargs)
    path = str(tmp_path / "best_model.keras")
    history = model.fit(case.x, case.y, batch_size=16, epochs=12,
                        callbacks=gc.timeseries_callbacks(keras, path),
                        validation_split=0.2, verbose=0)
    assert model.fast_path_reason is None
    h = history.history
    assert "learning_rate" in h and len(h["learning_rate"]) == len(h["loss"])
    assert min(h["learning_rate"]) >= 1e-4
    assert h["sparse_categorical_accuracy"][-1] > 0.7, h
    best = keras.models.load_model(path)
    val = case.x[96:], case.y[96:]
    loss = best.evaluate(*val, verbose=0)[0]
    np.testing.assert_allclose(loss, min(h["val_loss"]), rtol=1e-4)
    assert best.fast_path_reason is None


def test_text_classification_model():
    """keras.io "Text classification from scratch" (the model, on integer sequences):
    the dropout on, the token that decides the label is learnt."""
    keras.utils.set_random_seed(3)
    case = gc.text_cnn(keras, n=256)
    model = case.model
    model.compile(**case.compile_kwargs)
    history = model.fit(case.x, case.y, batch_size=32, epochs=8, verbose=0)
    h = history.history
    assert h["loss"][-1] < h["loss"][0] - 0.1, h
    assert h["accuracy"][-1] > 0.75, h
    # Input(shape=(None,)): the fast path takes the length from the data...
    assert model.fast_path_reason is None
    # ...and sequences of another length run too (a Program per length).
    short = model.predict(case.x[:4, :25], verbose=0)
    assert model.fast_path_reason is None and short.shape == (4, 1)
    np.testing.assert_allclose(short, model(case.x[:4, :25]), rtol=1e-5, atol=1e-6)


def test_variational_autoencoder():
    """keras.io "Variational AutoEncoder": the subclassed VAE's train_step (a GradientTape,
    Mean trackers reset each epoch) with the sampling noise on. The step is captured and
    replayed: `keras.random.normal` with the Sampling layer's SeedGenerator is a C++
    draw that advances the generator's state tensor, so each replay draws new noise
    (tests/integration/test_compiled_random.py compares it with the eager run)."""
    keras.utils.set_random_seed(4)
    x, _ = _mnist(256) if os.path.isdir(MNIST) else (
        np.random.default_rng(0).uniform(0, 1, (256, 28, 28, 1)).astype("float32"), None)
    case = gc.vae(keras)
    vae = case.model
    vae.compile(optimizer=keras.optimizers.Adam())
    history = vae.fit(x, epochs=4, batch_size=32, verbose=0)
    h = history.history
    assert sorted(h) == ["kl_loss", "loss", "reconstruction_loss"]
    assert h["loss"][-1] < h["loss"][0], h
    np.testing.assert_allclose(np.add(h["reconstruction_loss"], h["kl_loss"]), h["loss"],
                               rtol=1e-4)
    fn = vae.train_function
    assert replayed(fn), fn.fallback_reason
    z_mean, z_log_var, z = vae.encoder.predict(x[:8], verbose=0)
    assert z_mean.shape == z_log_var.shape == z.shape == (8, 2)
    assert not np.allclose(z, z_mean)  # the noise is on
    assert vae.decoder.predict(z_mean, verbose=0).shape == (8, 28, 28, 1)


def test_image_classification_residual_model(tmp_path):
    """keras.io "Image classification from scratch" `make_model` (smaller): on the fast
    path with its Rescaling; save and reload give the same predictions."""
    keras.utils.set_random_seed(5)
    case = gc.xception_small(keras, n=64)
    model = case.model
    model.compile(**case.compile_kwargs)
    history = model.fit(case.x, case.y, batch_size=16, epochs=3, verbose=0)
    assert model.fast_path_reason is None
    assert sorted(history.history) == ["acc", "loss"]
    path = str(tmp_path / "xception.keras")
    model.save(path)
    again = keras.models.load_model(path)
    np.testing.assert_allclose(again.predict(case.x, verbose=0),
                               model.predict(case.x, verbose=0), rtol=1e-5, atol=1e-5)


def test_functional_api_ticket_model_with_list_losses():
    """The Functional API guide's ticket model compiled with list losses and
    loss_weights (as the guide first does) and with dicts: the logs' keys."""
    keras.utils.set_random_seed(6)
    case = gc.ticket_model(keras)
    model = case.model
    model.compile(**case.compile_kwargs)
    h = model.fit(case.x, case.y, epochs=2, batch_size=8, verbose=0).history
    assert sorted(h) == ["department_loss", "loss", "priority_loss"]
    np.testing.assert_allclose(h["loss"], np.add(h["priority_loss"],
                                                 0.2 * np.asarray(h["department_loss"])),
                               rtol=1e-4)
    out = model.predict(case.x, verbose=0)
    assert out["priority"].shape == (32, 1) and out["department"].shape == (32, 4)


def test_dlwp_convnet_both_data_formats_agree():
    """DLwP ch. 8's convnet with data_format="channels_first" computes what the
    channels_last one does on transposed images and kernels (both on the fast path)."""
    keras.utils.set_random_seed(7)
    last = gc.dlwp_convnet(keras).model
    first_case = gc.dlwp_convnet_channels_first(keras)
    first = first_case.model
    first.set_weights(last.get_weights())  # same kernels; the Dense sees another order
    x_first = first_case.x
    x_last = np.ascontiguousarray(np.transpose(x_first, (0, 2, 3, 1)))
    feats_last = keras.Model(last.inputs, last.layers[-3].output).predict(x_last, verbose=0)
    feats_first = keras.Model(first.inputs, first.layers[-3].output).predict(x_first,
                                                                             verbose=0)
    np.testing.assert_allclose(np.transpose(feats_first, (0, 2, 3, 1)), feats_last,
                               rtol=1e-5, atol=1e-5)
    for model, x in ((last, x_last), (first, x_first)):
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x, first_case.y, epochs=1, batch_size=16, verbose=0)
        assert model.fast_path_reason is None
