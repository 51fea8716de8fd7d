"""keras.io examples and guides (convolution, normalization, embedding layers) run with
`import pyfastfit as keras`, checked against Keras 3.

The models are `guide_cases.py`'s (the same code builds them with Keras); the reference
values were recorded with Keras 3 (TensorFlow backend) by `make_guide_fixtures.py`, so
Keras is not needed here. Each model starts from the weights Keras drew and must give
Keras's parameter count, output and summary shapes, inference outputs, the logs and
weights after one training step, and after a short `fit`; and it must take the training
path the model allows (the C++ fast path, or the documented reason it does not).

Tolerances: outputs and weights atol 1e-4, losses and metrics rtol 1e-4.
"""

import json
import os
import warnings

import numpy as np
import pytest

import pyfastfit as keras
from tests.integration import guide_cases as gc

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
with open(os.path.join(FIXTURES, "guides.json")) as _f:
    META = json.load(_f)["cases"]
with np.load(os.path.join(FIXTURES, "guides.npz")) as _z:
    ARRAYS = {k: _z[k] for k in _z.files}

OUT_TOL = dict(rtol=0, atol=1e-4)
LOG_TOL = dict(rtol=1e-4, atol=1e-6)

# Why fit() leaves the C++ fast path for a case (None: it runs there). A reason is what
# `model.fast_path_reason` says after fit(); these pin the known fallbacks, so one that
# is lifted (or a new one) shows up here.
FIT_PATH = {
    "mnist_convnet": None,
    "timeseries_fcn": None,
    "text_cnn": None,
    "vae": "subclassed model",  # custom train_step: captured and replayed instead
    "xception_small": None,
    "ticket_model": None,
    "dlwp_convnet": None,
    "dlwp_convnet_channels_first": None,
    "resize_pad_crop": None,
    "norm_variants": None,
    "masked_average": None,
}


# Biases that a normalization right after them cancels (a Conv bias before
# BatchNormalization, or before LayerNormalization(axis=1), which centres each channel
# over axis 1): their true gradient is 0, so Adam turns float32 round-off (~1e-9) into
# steps of up to the learning rate, in either library. Checked with a tolerance of a few
# such steps only.
NORMALIZED_AWAY = {"timeseries_fcn": (1, 7, 13), "norm_variants": (1,),
                   "xception_small": (1, 8, 15, 24, 31, 40)}
NORMALIZED_AWAY_TOL = dict(rtol=0, atol=5e-3)


def build(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning (as Keras)
        return gc.CASES[name](keras, drop=0.0, noise=0.0)


def initial(name):
    return [ARRAYS[f"{name}/w0_{i}"] for i in range(META[name]["n_weights"])]


def first_batch(data, bs):
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: v[:bs] for k, v in data.items()}
    return data[:bs]


def flat_outputs(out):
    if isinstance(out, dict):
        return [np.asarray(out[k]) for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


def assert_weights(model, name, prefix, what):
    got = model.get_weights()
    assert len(got) == META[name]["n_weights"]
    for i, w in enumerate(got):
        tol = NORMALIZED_AWAY_TOL if i in NORMALIZED_AWAY.get(name, ()) else OUT_TOL
        np.testing.assert_allclose(w, ARRAYS[f"{name}/{prefix}_{i}"], **tol,
                                   err_msg=f"{name}: {what}, weight {i}")


def assert_logs(got, want, what):
    assert sorted(got) == sorted(want), what
    for key in want:
        np.testing.assert_allclose(got[key], want[key], **LOG_TOL, err_msg=f"{what}[{key}]")


@pytest.mark.parametrize("name", list(gc.CASES))
def test_structure_and_forward(name):
    """Parameter count, output and summary shapes, and inference outputs."""
    case = build(name)
    model = case.model
    model.set_weights(initial(name))
    meta = META[name]
    if name == "vae":
        assert model.encoder.count_params() + model.decoder.count_params() == \
            meta["count_params"]
        assert gc.summary_shapes(model.encoder) + gc.summary_shapes(model.decoder) == \
            meta["summary"]
        outs = flat_outputs(model.encoder.predict(case.eval_x, verbose=0))
        outs.append(model.decoder.predict(outs[0], verbose=0))
    else:
        assert model.count_params() == meta["count_params"]
        shape = model.output_shape
        if isinstance(shape, dict):
            shape = [shape[k] for k in sorted(shape)]
        elif not isinstance(shape, list):
            shape = [shape]
        assert [list(s) for s in shape] == meta["output_shapes"]
        assert gc.summary_shapes(model) == meta["summary"]
        outs = flat_outputs(model.predict(case.eval_x, verbose=0))
    assert len(outs) == meta["n_outputs"]
    for i, out in enumerate(outs):
        np.testing.assert_allclose(out, ARRAYS[f"{name}/pred_{i}"], **OUT_TOL,
                                   err_msg=f"{name}: output {i}")


@pytest.mark.parametrize("name", list(gc.CASES))
def test_one_training_step(name):
    """One step on the first batch from Keras's initial weights: logs and weights."""
    case = build(name)
    case.model.set_weights(initial(name))
    case.model.compile(**case.compile_kwargs)
    history = case.model.fit(first_batch(case.x, case.batch_size),
                             first_batch(case.y, case.batch_size),
                             batch_size=case.batch_size, epochs=1, verbose=0)
    assert_logs({k: v[0] for k, v in history.history.items()}, META[name]["step_logs"],
                f"{name}: one step")
    assert_weights(case.model, name, "wstep", "after one step")


@pytest.mark.parametrize("name", list(gc.CASES))
def test_short_fit(name):
    """A short fit (batches in order, the case's fit arguments): history, weights, and
    the training path taken."""
    case = build(name)
    case.model.set_weights(initial(name))
    case.model.compile(**case.compile_kwargs)
    history = case.model.fit(case.x, case.y, batch_size=case.batch_size,
                             epochs=gc.PARITY_EPOCHS, shuffle=False, verbose=0,
                             **case.fit_kwargs)
    want = META[name]["history"]
    assert sorted(history.history) == sorted(want)
    for key in want:
        np.testing.assert_allclose(history.history[key], want[key], **LOG_TOL,
                                   err_msg=f"{name}: history[{key!r}]")
    assert_weights(case.model, name, "wfit", "after fit")
    reason = case.model.fast_path_reason
    if FIT_PATH[name] is None:
        assert reason is None, f"{name} left the fast path: {reason}"
    else:
        assert reason is not None and FIT_PATH[name] in reason, reason
