"""Keras 3 parity: pyfastfit against reference values recorded with Keras 3 (TensorFlow
backend) by `make_keras_fixtures.py`. Keras is not needed to run these tests.

Tolerances (not to be loosened to hide a mismatch): losses after up to 20 training steps
rtol 1e-4 / atol 1e-6, weights atol 1e-4, single loss and metric values rtol 1e-5.

A test is skipped only while the pyfastfit subpackage it needs does not exist yet
(`layers`, `losses`, `metrics`, `models`); once the subpackage exists, any missing class,
argument or wrong value fails.
"""

import importlib
import json
import os

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import ops

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")

STEP_LOSS_TOL = dict(rtol=1e-4, atol=1e-6)
WEIGHT_TOL = dict(rtol=0, atol=1e-4)
VALUE_TOL = dict(rtol=1e-5, atol=1e-7)


def load(name):
    with open(os.path.join(FIXTURES, f"{name}.json")) as f:
        meta = json.load(f)
    with np.load(os.path.join(FIXTURES, f"{name}.npz")) as z:
        arrays = {k: z[k] for k in z.files}
    return meta, arrays


def need(*subpackages):
    """Skips while a pyfastfit subpackage has not landed (ModuleNotFoundError only)."""
    for sub in subpackages:
        try:
            importlib.import_module(f"pyfastfit.{sub}")
        except ModuleNotFoundError as e:
            if e.name == f"pyfastfit.{sub}":
                pytest.skip(f"pyfastfit.{sub} does not exist yet")
            raise


OPT_META, OPT_ARRAYS = load("optimizers")
LOSS_META, LOSS_ARRAYS = load("losses")
METRIC_META, METRIC_ARRAYS = load("metrics")
MODEL_META, MODEL_ARRAYS = load("models")


def initial_weights(arrays):
    return [arrays[f"w0_{i}"] for i in range(4)]


def batches(meta):
    n, bs = meta["n"], meta["batch_size"]
    for step in range(meta["steps"]):
        start = (step * bs) % n
        yield step, slice(start, start + bs)


def assert_weights(got, arrays, prefix, what):
    assert len(got) == 4, f"{what}: expected 4 weight arrays, got {len(got)}"
    for i, w in enumerate(got):
        np.testing.assert_allclose(
            np.asarray(w), arrays[f"{prefix}_{i}"], **WEIGHT_TOL,
            err_msg=f"{what}: weight {i} after training")


def make_optimizer(case):
    return getattr(keras.optimizers, case["class"])(**case["kwargs"])


# --------------------------------------------------------------------------- optimizers
@pytest.mark.parametrize("case", OPT_META["cases"], ids=lambda c: c["name"])
def test_optimizer_custom_loop(case):
    """Variables + ops + GradientTape + apply_gradients (no layers needed)."""
    x, y = OPT_ARRAYS["x"], OPT_ARRAYS["y"]
    params = [keras.Variable(w) for w in initial_weights(OPT_ARRAYS)]
    opt = make_optimizer(case)
    n_classes = params[3].shape[0]
    losses = []
    for _, sl in batches(OPT_META):
        with keras.GradientTape() as tape:
            h = ops.relu(ops.add(ops.matmul(x[sl], params[0]), params[1]))
            p = ops.softmax(ops.add(ops.matmul(h, params[2]), params[3]))
            logp = ops.log(ops.clip(p, 1e-7, 1.0 - 1e-7))
            loss = ops.negative(ops.mean(ops.sum(
                ops.multiply(ops.one_hot(y[sl], n_classes), logp), axis=-1)))
        grads = tape.gradient(loss, params)
        opt.apply_gradients(zip(grads, params))
        losses.append(float(np.asarray(loss)))
    np.testing.assert_allclose(losses, case["step_losses"], **STEP_LOSS_TOL,
                               err_msg=f"{case['name']}: loss before each of 20 steps")
    assert_weights([p.numpy() for p in params], OPT_ARRAYS, f"{case['name']}/final",
                   case["name"])
    assert int(np.asarray(opt.iterations)) == OPT_META["steps"]


def sequential_mlp(d, h, c):
    return keras.Sequential([
        keras.Input((d,)),
        keras.layers.Dense(h, activation="relu"),
        keras.layers.Dense(c, activation="softmax"),
    ])


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["default", "eager"])
@pytest.mark.parametrize("case", OPT_META["cases"], ids=lambda c: c["name"])
def test_optimizer_train_on_batch(case, run_eagerly):
    need("layers", "losses", "metrics", "models")  # compile needs metrics
    x, y = OPT_ARRAYS["x"], OPT_ARRAYS["y"]
    w0 = initial_weights(OPT_ARRAYS)
    model = sequential_mlp(w0[0].shape[0], w0[0].shape[1], w0[2].shape[1])
    model.set_weights(w0)
    model.compile(optimizer=make_optimizer(case),
                  loss=keras.losses.SparseCategoricalCrossentropy(),
                  run_eagerly=run_eagerly)
    returned = [float(np.asarray(model.train_on_batch(x[sl], y[sl])))
                for _, sl in batches(OPT_META)]
    np.testing.assert_allclose(returned, case["train_on_batch"], **STEP_LOSS_TOL,
                               err_msg=f"{case['name']}: train_on_batch return values")
    assert_weights(model.get_weights(), OPT_ARRAYS, f"{case['name']}/final_tob",
                   case["name"])


# ------------------------------------------------------------------------------ losses
LOSS_PARAMS = [(case, red) for case in LOSS_META["cases"]
               for red in LOSS_META["reductions"]]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("case,reduction", LOSS_PARAMS,
                         ids=[f"{c['name']}-{r}" for c, r in LOSS_PARAMS])
def test_loss_value(case, reduction, weighted):
    need("losses")
    name = case["name"]
    y_true, y_pred = LOSS_ARRAYS[f"{name}/y_true"], LOSS_ARRAYS[f"{name}/y_pred"]
    loss = getattr(keras.losses, case["class"])(reduction=reduction, **case["kwargs"])
    if weighted:
        got = loss(y_true, y_pred, sample_weight=LOSS_ARRAYS[f"{name}/sample_weight"])
        want = case["values"][reduction + "+sw"]
    else:
        got = loss(y_true, y_pred)
        want = case["values"][reduction]
    got = np.asarray(got)
    assert got.shape == np.shape(want), f"{name} {reduction}: shape {got.shape}"
    np.testing.assert_allclose(got, want, **VALUE_TOL, err_msg=f"{name} {reduction}")


FUNCTION_CASES = [c for c in LOSS_META["cases"] if "function" in c]


@pytest.mark.parametrize("case", FUNCTION_CASES, ids=lambda c: c["function"])
def test_loss_function(case):
    need("losses")
    name = case["name"]
    fn = getattr(keras.losses, case["function"])
    got = np.asarray(fn(LOSS_ARRAYS[f"{name}/y_true"], LOSS_ARRAYS[f"{name}/y_pred"]))
    want = case["function_values"]
    assert got.shape == np.shape(want), f"{case['function']}: shape {got.shape}"
    np.testing.assert_allclose(got, want, **VALUE_TOL, err_msg=case["function"])


# ----------------------------------------------------------------------------- metrics
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize("case", METRIC_META["cases"], ids=lambda c: c["name"])
def test_metric_two_updates(case, weighted):
    need("metrics")
    name = case["name"]
    a = METRIC_ARRAYS
    keras.backend.clear_session()  # fresh name scope, as when the fixture was made
    m = getattr(keras.metrics, case["class"])(**case["kwargs"])
    assert m.name == case["default_name"]
    sw = a[f"{name}/sample_weight_2"] if weighted else None
    if case["kind"] == "values":
        m.update_state(a[f"{name}/y_pred_1"])
        first = np.asarray(m.result())
        m.update_state(a[f"{name}/y_pred_2"], sample_weight=sw)
    else:
        m.update_state(a[f"{name}/y_true_1"], a[f"{name}/y_pred_1"])
        first = np.asarray(m.result())
        m.update_state(a[f"{name}/y_true_2"], a[f"{name}/y_pred_2"], sample_weight=sw)
    np.testing.assert_allclose(first, case["first"], **VALUE_TOL,
                               err_msg=f"{name}: result after the first update")
    want = case["weighted" if weighted else "unweighted"]
    np.testing.assert_allclose(np.asarray(m.result()), want, **VALUE_TOL,
                               err_msg=f"{name}: result after two updates")
    m.reset_state()
    m.update_state(*(() if case["kind"] == "values" else (a[f"{name}/y_true_1"],)),
                   a[f"{name}/y_pred_1"])
    np.testing.assert_allclose(np.asarray(m.result()), case["first"], **VALUE_TOL,
                               err_msg=f"{name}: after reset_state and one update")


# ------------------------------------------------------------------------------ models
def build_model(style, d, h, c):
    if style == "sequential":
        return sequential_mlp(d, h, c)
    if style == "functional":
        inputs = keras.Input((d,), name="features")
        hidden = keras.layers.Dense(h, activation="relu", name="hidden")(inputs)
        outputs = keras.layers.Dense(c, activation="softmax", name="probs")(hidden)
        return keras.Model(inputs, outputs, name="mlp")

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(h, activation="relu")
            self.out = keras.layers.Dense(c, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = Subclassed()
    model(np.zeros((1, d), np.float32))
    return model


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["default", "eager"])
@pytest.mark.parametrize("case", MODEL_META["cases"], ids=lambda c: c["style"])
def test_model_fit(case, run_eagerly):
    need("layers", "losses", "metrics", "models", "callbacks")
    a = MODEL_ARRAYS
    w0 = initial_weights(a)
    style = case["style"].split("_")[0]
    model = build_model(style, w0[0].shape[0], w0[0].shape[1], w0[2].shape[1])
    model.set_weights(w0)
    model.compile(optimizer=keras.optimizers.Adam(MODEL_META["learning_rate"]),
                  loss=MODEL_META["loss"], metrics=MODEL_META["metrics"],
                  run_eagerly=run_eagerly)

    seen = []

    class BatchLosses(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append(float(logs["loss"]))

    kwargs = dict(case["fit_kwargs"])
    if kwargs.pop("sample_weight", False):
        kwargs["sample_weight"] = a["sample_weight"]
    if "class_weight" in kwargs:
        kwargs["class_weight"] = {int(k): v for k, v in kwargs["class_weight"].items()}
    if "validation_split" not in kwargs:
        kwargs["validation_data"] = (a["x_val"], a["y_val"])
    hist = model.fit(a["x"], a["y"], batch_size=MODEL_META["batch_size"],
                     epochs=MODEL_META["epochs"], shuffle=False, verbose=0,
                     callbacks=[BatchLosses()], **kwargs)
    want = case["history"]
    assert sorted(hist.history) == sorted(want)
    for key, values in want.items():
        np.testing.assert_allclose(hist.history[key], values, **STEP_LOSS_TOL,
                                   err_msg=f"{case['style']}: history[{key!r}]")
    np.testing.assert_allclose(seen, case["batch_losses"], **STEP_LOSS_TOL,
                               err_msg=f"{case['style']}: logs['loss'] at batch ends")
    assert_weights(model.get_weights(), a, f"{case['style']}/final", case["style"])

    ev = model.evaluate(a["x_val"], a["y_val"], batch_size=MODEL_META["batch_size"],
                        verbose=0, return_dict=True)
    assert sorted(ev) == sorted(case["evaluate"])
    for key, value in case["evaluate"].items():
        np.testing.assert_allclose(ev[key], value, **STEP_LOSS_TOL,
                                   err_msg=f"{case['style']}: evaluate[{key!r}]")
    pred = model.predict(a["x_val"], batch_size=MODEL_META["batch_size"], verbose=0)
    np.testing.assert_allclose(pred, a[f"{case['style']}/predict"], rtol=1e-4, atol=1e-5,
                               err_msg=f"{case['style']}: predict")


# ------------------------------------------------------------------------------ extras
EXTRA_META, EXTRA_ARRAYS = load("extras")


def make_spec_optimizer(cls, kwargs):
    kwargs = dict(kwargs)
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = getattr(keras.optimizers.schedules, lr["schedule"])(
            **lr["config"])
    return getattr(keras.optimizers, cls)(**kwargs)


@pytest.mark.parametrize("case", EXTRA_META["schedules"], ids=lambda c: c["name"])
def test_schedule_custom_loop(case):
    need("layers", "losses", "models")
    a = EXTRA_ARRAYS
    x, y = a["x"], a["y"]
    w0 = initial_weights(a)
    model = sequential_mlp(w0[0].shape[0], w0[0].shape[1], w0[2].shape[1])
    model.set_weights(w0)
    opt = make_spec_optimizer(case["class"], case["kwargs"])
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    losses, lrs = [], []
    for _, sl in batches(EXTRA_META):
        lrs.append(float(np.asarray(opt.learning_rate)))
        with keras.GradientTape() as tape:
            loss = loss_fn(y[sl], model(x[sl], training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply_gradients(zip(grads, model.trainable_weights))
        losses.append(float(np.asarray(loss)))
    np.testing.assert_allclose(lrs, case["learning_rates"], **VALUE_TOL,
                               err_msg=f"{case['name']}: learning_rate before each step")
    np.testing.assert_allclose(losses, case["step_losses"], **STEP_LOSS_TOL,
                               err_msg=f"{case['name']}: loss before each of 20 steps")
    assert_weights(model.get_weights(), a, f"{case['name']}/final", case["name"])


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["default", "eager"])
@pytest.mark.parametrize("case", EXTRA_META["models"], ids=lambda c: c["name"])
def test_extra_model_fit(case, run_eagerly):
    need("layers", "losses", "metrics", "models", "regularizers")
    a = EXTRA_ARRAYS
    w0 = initial_weights(a)
    d, h, c = w0[0].shape[0], w0[0].shape[1], w0[2].shape[1]
    if case["name"] == "multi_output":
        inputs = keras.Input((d,), name="features")
        hidden = keras.layers.Dense(h, activation="relu", name="hidden")(inputs)
        cls = keras.layers.Dense(c, activation="softmax", name="cls")(hidden)
        reg = keras.layers.Dense(1, name="reg")(hidden)
        model = keras.Model(inputs, [cls, reg])
        model.set_weights(w0 + [a["w_reg_0"], a["w_reg_1"]])
        model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=run_eagerly,
                      **EXTRA_META["multi_output_compile"])
        y_fit = {"cls": a["y"], "reg": a["y_reg"]}
        val = (a["x_val"], {"cls": a["y_val"], "reg": a["y_reg_val"]})
    else:
        model = keras.Sequential([
            keras.Input((d,)),
            keras.layers.Dense(h, activation="relu",
                               kernel_regularizer=keras.regularizers.L2(0.01)),
            keras.layers.Dense(c, activation="softmax"),
        ])
        model.set_weights(w0)
        model.compile(optimizer=keras.optimizers.SGD(0.1),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      run_eagerly=run_eagerly)
        y_fit, val = a["y"], (a["x_val"], a["y_val"])
    hist = model.fit(a["x"], y_fit, batch_size=EXTRA_META["batch_size"],
                     epochs=EXTRA_META["epochs"], shuffle=False, validation_data=val,
                     verbose=0)
    assert sorted(hist.history) == sorted(case["history"])
    for key, values in case["history"].items():
        np.testing.assert_allclose(hist.history[key], values, **STEP_LOSS_TOL,
                                   err_msg=f"{case['name']}: history[{key!r}]")
    weights = model.get_weights()
    assert len(weights) == case["n_weights"]
    for i, w in enumerate(weights):
        np.testing.assert_allclose(np.asarray(w), a[f"{case['name']}/final_{i}"],
                                   **WEIGHT_TOL, err_msg=f"{case['name']}: weight {i}")
    ev = model.evaluate(*val, batch_size=EXTRA_META["batch_size"], verbose=0,
                        return_dict=True)
    assert sorted(ev) == sorted(case["evaluate"])
    for key, value in case["evaluate"].items():
        np.testing.assert_allclose(ev[key], value, **STEP_LOSS_TOL,
                                   err_msg=f"{case['name']}: evaluate[{key!r}]")


# --------------------------------------------------------------------------- fit features
FIT_META, FIT_ARRAYS = load("fit_features")


@pytest.mark.parametrize("run_eagerly", [False, True], ids=["default", "eager"])
@pytest.mark.parametrize("case", FIT_META["cases"], ids=lambda c: c["name"])
def test_fit_features(case, run_eagerly):
    """Constraints, label smoothing, confusion metrics, RMSE, a shared layer and a nested
    model, trained as Keras 3 trained them (`fit_cases.py`), on both paths."""
    need("layers", "losses", "metrics", "models", "constraints")
    from tests.parity import fit_cases

    model, history, ev = fit_cases.run(keras, case["name"], run_eagerly=run_eagerly)
    assert (model.fast_path_reason is None) == (not run_eagerly), model.fast_path_reason
    assert sorted(history) == sorted(case["history"])
    for key, values in case["history"].items():
        np.testing.assert_allclose(history[key], values, **STEP_LOSS_TOL,
                                   err_msg=f"{case['name']}: history[{key!r}]")
    for key, value in case["evaluate"].items():
        np.testing.assert_allclose(ev[key], value, **STEP_LOSS_TOL,
                                   err_msg=f"{case['name']}: evaluate[{key!r}]")
    weights = model.get_weights()
    assert len(weights) == case["n_weights"]
    for i, w in enumerate(weights):
        np.testing.assert_allclose(w, FIT_ARRAYS[f"{case['name']}/final_{i}"], **WEIGHT_TOL,
                                   err_msg=f"{case['name']}: weight {i} after training")
