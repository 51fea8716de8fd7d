"""Writes the Keras 3 reference values that `test_keras_parity.py` checks pyfastfit against.

Needs Keras 3 with the TensorFlow backend (not a pyfastfit dependency). Run once, from the
repository root, with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/parity/make_keras_fixtures.py

It writes `tests/parity/fixtures/{optimizers,losses,metrics,models}.{json,npz}`: the JSON
holds the configurations and scalar results, the npz the arrays (inputs, initial and final
weights). Everything is seeded, so re-running gives the same files up to TensorFlow's
float32 round-off.

What is recorded:
- optimizers: an MLP 8-16(relu)-3(softmax) with fixed initial weights, 64 fixed samples,
  20 mini-batch steps (batch 16, batches in order, no shuffling) of sparse categorical
  cross-entropy, for each optimizer configuration. Per step: the batch loss before the
  update (`step_losses`); the final weights; and, from a second identical run with
  `model.train_on_batch`, what train_on_batch returned at each step and its final weights.
- losses: each loss class on fixed inputs, for each reduction, without and with a
  sample_weight, plus the snake_case function's per-sample values.
- metrics: each metric after two `update_state` calls (the second with sample_weight
  where the metric takes one), and its `result()` after the first call.
- models: the same model (8-16 relu-3 softmax) built as Sequential, Functional and
  subclassed, compiled with Adam + sparse CE + ["accuracy"], `fit` 5 epochs of 4 batches
  (20 steps, shuffle=False) with validation_data; history, logs["loss"] at each batch
  end, final weights, evaluate and predict. The Sequential model also with a
  sample_weight array, with a class_weight dict, and with validation_split=0.25.
- extras: learning-rate schedules (custom loop as for optimizers, plus the learning rate
  read before each step); a two-output Functional model (list outputs, dict losses,
  metrics and loss_weights, dict targets) and an L2-regularized Sequential model, fit 20
  steps with validation_data; history, final weights, evaluate.
- fit_features: the cases of `fit_cases.py` (weight constraints, label smoothing,
  confusion metrics and RMSE, a shared layer with a nested model, two dict inputs with
  an L1L2 penalty), fit 20 steps with validation_data; history, final weights, evaluate.

`--only GROUP ...` writes only those groups (the others' files stay as they are).
"""

import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")

N, D, H, C = 64, 8, 16, 3
BATCH = 16
STEPS = 20

# (case name, optimizer class, kwargs). Learning rates are chosen so the weights move
# visibly in 20 steps.
OPTIMIZERS = [
    ("sgd", "SGD", {"learning_rate": 0.1}),
    ("sgd_momentum", "SGD", {"learning_rate": 0.05, "momentum": 0.9}),
    ("sgd_nesterov", "SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    ("rmsprop", "RMSprop", {"learning_rate": 0.01}),
    ("rmsprop_centered_momentum", "RMSprop",
     {"learning_rate": 0.005, "rho": 0.8, "momentum": 0.5, "centered": True}),
    ("adam", "Adam", {"learning_rate": 0.01}),
    ("adam_amsgrad", "Adam", {"learning_rate": 0.01, "beta_2": 0.99, "amsgrad": True}),
    ("adamw", "AdamW", {"learning_rate": 0.01, "weight_decay": 0.05}),
    ("adagrad", "Adagrad", {"learning_rate": 0.1}),
    ("adamax", "Adamax", {"learning_rate": 0.02}),
    ("nadam", "Nadam", {"learning_rate": 0.01}),
    ("sgd_clipnorm", "SGD", {"learning_rate": 0.1, "clipnorm": 0.5}),
    ("adam_global_clipnorm", "Adam", {"learning_rate": 0.01, "global_clipnorm": 0.3}),
    ("sgd_weight_decay", "SGD", {"learning_rate": 0.1, "weight_decay": 0.01}),
]

REDUCTIONS = ["sum_over_batch_size", "sum", "none"]


def f32(a):
    return np.asarray(a, dtype=np.float32)


def tolist(a):
    return np.asarray(a, dtype=np.float64).tolist()


def base_data():
    rng = np.random.default_rng(1234)
    x = f32(rng.normal(size=(N, D)))
    # Labels that depend on x, so training makes progress.
    w = rng.normal(size=(D, C))
    y = np.argmax(x @ w + 0.5 * rng.normal(size=(N, C)), axis=1).astype(np.int64)
    xv = f32(rng.normal(size=(32, D)))
    yv = np.argmax(xv @ w, axis=1).astype(np.int64)
    weights = [
        f32(rng.uniform(-0.5, 0.5, size=(D, H))),
        f32(rng.uniform(-0.1, 0.1, size=(H,))),
        f32(rng.uniform(-0.5, 0.5, size=(H, C))),
        f32(rng.uniform(-0.1, 0.1, size=(C,))),
    ]
    return x, y, xv, yv, weights


def sequential():
    return keras.Sequential([
        keras.Input((D,)),
        keras.layers.Dense(H, activation="relu"),
        keras.layers.Dense(C, activation="softmax"),
    ])


def functional():
    inputs = keras.Input((D,), name="features")
    h = keras.layers.Dense(H, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(C, activation="softmax", name="probs")(h)
    return keras.Model(inputs, outputs, name="mlp")


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(H, activation="relu")
        self.out = keras.layers.Dense(C, activation="softmax")

    def call(self, inputs, training=None):
        return self.out(self.hidden(inputs))


def subclassed():
    model = Subclassed()
    model(np.zeros((1, D), np.float32))
    return model


def batches():
    for step in range(STEPS):
        start = (step * BATCH) % N
        yield step, slice(start, start + BATCH)


def make_optimizers(arrays):
    import tensorflow as tf

    x, y, _, _, w0 = base_data()
    arrays["x"], arrays["y"] = x, y
    for i, w in enumerate(w0):
        arrays[f"w0_{i}"] = w
    cases = []
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    for name, cls, kwargs in OPTIMIZERS:
        # 1) Custom loop: loss before each update, then apply_gradients.
        model = sequential()
        model.set_weights(w0)
        opt = getattr(keras.optimizers, cls)(**kwargs)
        step_losses = []
        for _, sl in batches():
            with tf.GradientTape() as tape:
                loss = loss_fn(y[sl], model(x[sl], training=True))
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
            step_losses.append(float(loss))
        final = model.get_weights()
        # 2) train_on_batch on a fresh model and optimizer.
        model2 = sequential()
        model2.set_weights(w0)
        model2.compile(optimizer=getattr(keras.optimizers, cls)(**kwargs), loss=loss_fn)
        tob = [float(model2.train_on_batch(x[sl], y[sl])) for _, sl in batches()]
        final2 = model2.get_weights()
        for a, b in zip(final, final2):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
        for i, w in enumerate(final):
            arrays[f"{name}/final_{i}"] = w
            arrays[f"{name}/final_tob_{i}"] = final2[i]
        cases.append({
            "name": name, "class": cls, "kwargs": kwargs,
            "step_losses": step_losses, "train_on_batch": tob,
        })
    return {"n": N, "batch_size": BATCH, "steps": STEPS,
            "loss": "SparseCategoricalCrossentropy", "cases": cases}


def loss_inputs(kind, rng):
    """Returns (y_true, y_pred) for one input kind, 5 samples."""
    n, k = 5, 4
    if kind == "sparse_probs":
        logits = rng.normal(size=(n, k))
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        return rng.integers(0, k, size=(n,)).astype(np.int64), f32(p)
    if kind == "sparse_logits":
        return rng.integers(0, k, size=(n,)).astype(np.int64), f32(2 * rng.normal(size=(n, k)))
    if kind == "onehot_probs":
        logits = rng.normal(size=(n, k))
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        p[0] = [1.0, 0.0, 0.0, 0.0]  # exercises the epsilon clipping
        return f32(np.eye(k)[rng.integers(0, k, size=n)]), f32(p)
    if kind == "onehot_unnormalized":
        return f32(np.eye(k)[rng.integers(0, k, size=n)]), f32(rng.uniform(0.1, 2.0, (n, k)))
    if kind == "onehot_logits":
        return f32(np.eye(k)[rng.integers(0, k, size=n)]), f32(2 * rng.normal(size=(n, k)))
    if kind == "binary_probs":
        p = rng.uniform(0.01, 0.99, size=(n, k))
        p[0, 0] = 1.0  # clipping
        return f32(rng.integers(0, 2, size=(n, k))), f32(p)
    if kind == "binary_logits":
        return f32(rng.integers(0, 2, size=(n, k))), f32(3 * rng.normal(size=(n, k)))
    if kind == "regression":
        return f32(rng.normal(size=(n, k))), f32(rng.normal(size=(n, k)))
    if kind == "positive":
        return f32(rng.uniform(0.5, 3.0, (n, k))), f32(rng.uniform(0.1, 3.0, (n, k)))
    if kind == "distributions":
        a = rng.uniform(0.05, 1.0, (n, k))
        b = rng.uniform(0.05, 1.0, (n, k))
        return f32(a / a.sum(1, keepdims=True)), f32(b / b.sum(1, keepdims=True))
    if kind == "hinge":
        return f32(rng.choice([-1.0, 1.0], size=(n, k))), f32(rng.normal(size=(n, k)))
    if kind == "hinge01":  # Keras maps {0, 1} labels to {-1, 1}
        return f32(rng.integers(0, 2, size=(n, k))), f32(rng.normal(size=(n, k)))
    raise ValueError(kind)


# (case, class, kwargs, snake_case function or None, input kind)
LOSSES = [
    ("sparse_ce", "SparseCategoricalCrossentropy", {}, "sparse_categorical_crossentropy",
     "sparse_probs"),
    ("sparse_ce_logits", "SparseCategoricalCrossentropy", {"from_logits": True}, None,
     "sparse_logits"),
    ("sparse_ce_ignore_class", "SparseCategoricalCrossentropy",
     {"from_logits": True, "ignore_class": 1}, None, "sparse_logits"),
    ("cce", "CategoricalCrossentropy", {}, "categorical_crossentropy", "onehot_probs"),
    ("cce_unnormalized", "CategoricalCrossentropy", {}, None, "onehot_unnormalized"),
    ("cce_logits", "CategoricalCrossentropy", {"from_logits": True}, None, "onehot_logits"),
    ("cce_smoothing", "CategoricalCrossentropy", {"label_smoothing": 0.1}, None,
     "onehot_probs"),
    ("cce_logits_smoothing", "CategoricalCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, None, "onehot_logits"),
    ("bce", "BinaryCrossentropy", {}, "binary_crossentropy", "binary_probs"),
    ("bce_logits", "BinaryCrossentropy", {"from_logits": True}, None, "binary_logits"),
    ("bce_smoothing", "BinaryCrossentropy", {"label_smoothing": 0.1}, None, "binary_probs"),
    ("bce_logits_smoothing", "BinaryCrossentropy",
     {"from_logits": True, "label_smoothing": 0.2}, None, "binary_logits"),
    ("mse", "MeanSquaredError", {}, "mean_squared_error", "regression"),
    ("mae", "MeanAbsoluteError", {}, "mean_absolute_error", "regression"),
    ("mape", "MeanAbsolutePercentageError", {}, "mean_absolute_percentage_error",
     "regression"),
    ("msle", "MeanSquaredLogarithmicError", {}, "mean_squared_logarithmic_error", "positive"),
    ("huber", "Huber", {}, "huber", "regression"),
    ("huber_delta", "Huber", {"delta": 0.5}, None, "regression"),
    ("log_cosh", "LogCosh", {}, "log_cosh", "regression"),
    ("kld", "KLDivergence", {}, "kl_divergence", "distributions"),
    ("poisson", "Poisson", {}, "poisson", "positive"),
    ("hinge", "Hinge", {}, "hinge", "hinge"),
    ("hinge_01", "Hinge", {}, None, "hinge01"),
    ("squared_hinge", "SquaredHinge", {}, "squared_hinge", "hinge"),
    ("categorical_hinge", "CategoricalHinge", {}, "categorical_hinge", "onehot_logits"),
    ("cosine_similarity", "CosineSimilarity", {}, "cosine_similarity", "regression"),
    ("cosine_similarity_axis0", "CosineSimilarity", {"axis": 0}, None, "regression"),
]


def make_losses(arrays):
    rng = np.random.default_rng(99)
    cases = []
    for name, cls, kwargs, fn, kind in LOSSES:
        y_true, y_pred = loss_inputs(kind, rng)
        # One weight per entry of the unreduced loss (shape (4,) for axis=0 cosine).
        unreduced = getattr(keras.losses, cls)(reduction="none", **kwargs)(y_true, y_pred)
        sw = f32(rng.uniform(0.0, 2.0, size=(unreduced.shape[0],)))
        arrays[f"{name}/y_true"] = y_true
        arrays[f"{name}/y_pred"] = y_pred
        arrays[f"{name}/sample_weight"] = sw
        values = {}
        for red in REDUCTIONS:
            loss = getattr(keras.losses, cls)(reduction=red, **kwargs)
            values[red] = tolist(loss(y_true, y_pred))
            values[red + "+sw"] = tolist(loss(y_true, y_pred, sample_weight=sw))
        case = {"name": name, "class": cls, "kwargs": kwargs, "values": values}
        if fn is not None:
            case["function"] = fn
            case["function_values"] = tolist(getattr(keras.losses, fn)(y_true, y_pred))
        cases.append(case)
    return {"reductions": REDUCTIONS, "cases": cases}


def metric_inputs(kind, rng):
    """Two batches of (y_true, y_pred) for one input kind."""
    out = []
    for n in (6, 5):
        if kind == "binary":
            out.append((f32(rng.integers(0, 2, (n, 1))), f32(rng.uniform(0, 1, (n, 1)))))
        elif kind == "binary_multi":
            out.append((f32(rng.integers(0, 2, (n, 3))), f32(rng.uniform(0, 1, (n, 3)))))
        elif kind == "categorical":
            p = rng.uniform(0, 1, (n, 4))
            out.append((f32(np.eye(4)[rng.integers(0, 4, n)]), f32(p / p.sum(1, keepdims=True))))
        elif kind == "sparse":
            p = rng.uniform(0, 1, (n, 4))
            out.append((rng.integers(0, 4, n).astype(np.int64), f32(p / p.sum(1, keepdims=True))))
        elif kind == "sparse_col":  # labels of shape (n, 1), as Keras users often pass
            p = rng.uniform(0, 1, (n, 4))
            out.append((rng.integers(0, 4, (n, 1)).astype(np.int64),
                        f32(p / p.sum(1, keepdims=True))))
        elif kind == "labels":
            out.append((f32(rng.integers(0, 3, (n, 1))), f32(rng.integers(0, 3, (n, 1)))))
        elif kind == "regression":
            out.append((f32(rng.normal(size=(n, 2))), f32(rng.normal(size=(n, 2)))))
        elif kind == "values":
            out.append((None, f32(rng.normal(size=(n,)))))
        else:
            raise ValueError(kind)
    return out


# (case, class, kwargs, input kind)
METRICS = [
    ("accuracy", "Accuracy", {}, "labels"),
    ("binary_accuracy", "BinaryAccuracy", {}, "binary"),
    ("binary_accuracy_t03", "BinaryAccuracy", {"threshold": 0.3}, "binary_multi"),
    ("categorical_accuracy", "CategoricalAccuracy", {}, "categorical"),
    ("sparse_categorical_accuracy", "SparseCategoricalAccuracy", {}, "sparse"),
    ("sparse_categorical_accuracy_col", "SparseCategoricalAccuracy", {}, "sparse_col"),
    ("top_k", "TopKCategoricalAccuracy", {"k": 2}, "categorical"),
    ("sparse_top_k", "SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    ("auc", "AUC", {}, "binary"),
    ("auc_pr", "AUC", {"curve": "PR"}, "binary"),
    ("auc_multi", "AUC", {"num_thresholds": 50}, "binary_multi"),
    ("precision", "Precision", {}, "binary_multi"),
    ("recall", "Recall", {}, "binary_multi"),
    ("precision_t03", "Precision", {"thresholds": 0.3}, "binary"),
    ("recall_top_k", "Recall", {"top_k": 2}, "binary_multi"),
    ("true_positives", "TruePositives", {}, "binary"),
    ("false_positives", "FalsePositives", {}, "binary"),
    ("true_negatives", "TrueNegatives", {}, "binary"),
    ("false_negatives", "FalseNegatives", {}, "binary"),
    ("mse", "MeanSquaredError", {}, "regression"),
    ("rmse", "RootMeanSquaredError", {}, "regression"),
    ("mae", "MeanAbsoluteError", {}, "regression"),
    ("mape", "MeanAbsolutePercentageError", {}, "regression"),
    ("cosine_similarity", "CosineSimilarity", {}, "regression"),
    ("binary_crossentropy", "BinaryCrossentropy", {}, "binary_multi"),
    ("categorical_crossentropy", "CategoricalCrossentropy", {}, "categorical"),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {}, "sparse"),
    ("mean", "Mean", {}, "values"),
    ("sum", "Sum", {}, "values"),
]


def make_metrics(arrays):
    rng = np.random.default_rng(7)
    cases = []
    for name, cls, kwargs, kind in METRICS:
        (yt1, yp1), (yt2, yp2) = metric_inputs(kind, rng)
        sw2 = f32(rng.uniform(0.0, 2.0, size=(yp2.shape[0],)))
        for key, val in (("y_true_1", yt1), ("y_pred_1", yp1), ("y_true_2", yt2),
                         ("y_pred_2", yp2), ("sample_weight_2", sw2)):
            if val is not None:
                arrays[f"{name}/{key}"] = val
        results = {}
        for weighted in (False, True):
            m = getattr(keras.metrics, cls)(**kwargs)
            sw = sw2 if weighted else None
            if yt1 is None:
                m.update_state(yp1)
                first = tolist(m.result())
                m.update_state(yp2, sample_weight=sw)
            else:
                m.update_state(yt1, yp1)
                first = tolist(m.result())
                m.update_state(yt2, yp2, sample_weight=sw)
            results["weighted" if weighted else "unweighted"] = tolist(m.result())
            results["first"] = first
        keras.backend.clear_session()  # else Keras uniquifies the name ("auc_2")
        default_name = getattr(keras.metrics, cls)(**kwargs).name
        cases.append({"name": name, "class": cls, "kwargs": kwargs, "kind": kind,
                      "default_name": default_name,
                      "first": results["first"], "unweighted": results["unweighted"],
                      "weighted": results["weighted"]})
    return {"cases": cases}


def make_models(arrays):
    x, y, xv, yv, w0 = base_data()
    arrays["x"], arrays["y"], arrays["x_val"], arrays["y_val"] = x, y, xv, yv
    for i, w in enumerate(w0):
        arrays[f"w0_{i}"] = w
    cases = []

    class BatchLosses(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(float(logs["loss"]))

    sw = f32(np.random.default_rng(5).uniform(0.0, 2.0, size=(N,)))
    arrays["sample_weight"] = sw
    class_weight = {0: 1.0, 1: 2.0, 2: 0.5}
    # (case name, builder, extra fit arguments as recorded in the JSON)
    runs = [
        ("sequential", sequential, {}),
        ("functional", functional, {}),
        ("subclassed", subclassed, {}),
        ("sequential_sample_weight", sequential, {"sample_weight": True}),
        ("sequential_class_weight", sequential, {"class_weight": class_weight}),
        ("sequential_validation_split", sequential, {"validation_split": 0.25}),
    ]
    for style, build, extra in runs:
        model = build()
        model.set_weights(w0)
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        cb = BatchLosses()
        kwargs = dict(extra)
        if kwargs.pop("sample_weight", False):
            kwargs["sample_weight"] = sw
        if "validation_split" not in kwargs:
            kwargs["validation_data"] = (xv, yv)
        hist = model.fit(x, y, batch_size=BATCH, epochs=STEPS // (N // BATCH), shuffle=False,
                         verbose=0, callbacks=[cb], **kwargs)
        ev = model.evaluate(xv, yv, batch_size=BATCH, verbose=0, return_dict=True)
        pred = model.predict(xv, batch_size=BATCH, verbose=0)
        for i, w in enumerate(model.get_weights()):
            arrays[f"{style}/final_{i}"] = w
        arrays[f"{style}/predict"] = pred
        cases.append({
            "style": style, "fit_kwargs": extra,
            "history": {k: tolist(v) for k, v in hist.history.items()},
            "batch_losses": cb.seen,
            "evaluate": {k: float(v) for k, v in ev.items()},
        })
    return {"batch_size": BATCH, "epochs": STEPS // (N // BATCH), "optimizer": "Adam",
            "learning_rate": 0.01, "loss": "sparse_categorical_crossentropy",
            "metrics": ["accuracy"], "cases": cases}


SCHEDULES = [
    ("adam_exponential_decay", "Adam", {"learning_rate": {"schedule": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.02, "decay_steps": 5, "decay_rate": 0.5}}}),
    ("sgd_piecewise_momentum", "SGD", {"momentum": 0.9, "learning_rate": {
        "schedule": "PiecewiseConstantDecay",
        "config": {"boundaries": [5, 10], "values": [0.1, 0.05, 0.01]}}}),
    ("rmsprop_staircase", "RMSprop", {"learning_rate": {"schedule": "ExponentialDecay", "config": {
        "initial_learning_rate": 0.01, "decay_steps": 4, "decay_rate": 0.7,
        "staircase": True}}}),
]


def make_optimizer(module, cls, kwargs):
    """Optimizer from a JSON-able spec (a learning_rate dict names a schedule)."""
    kwargs = dict(kwargs)
    lr = kwargs.get("learning_rate")
    if isinstance(lr, dict):
        kwargs["learning_rate"] = getattr(module.optimizers.schedules, lr["schedule"])(
            **lr["config"])
    return getattr(module.optimizers, cls)(**kwargs)


def multi_output():
    inputs = keras.Input((D,), name="features")
    h = keras.layers.Dense(H, activation="relu", name="hidden")(inputs)
    cls = keras.layers.Dense(C, activation="softmax", name="cls")(h)
    reg = keras.layers.Dense(1, name="reg")(h)
    return keras.Model(inputs, [cls, reg])


def regularized():
    return keras.Sequential([
        keras.Input((D,)),
        keras.layers.Dense(H, activation="relu",
                           kernel_regularizer=keras.regularizers.L2(0.01)),
        keras.layers.Dense(C, activation="softmax"),
    ])


MULTI_COMPILE = {
    "loss": {"cls": "sparse_categorical_crossentropy", "reg": "mse"},
    "loss_weights": {"cls": 1.0, "reg": 0.5},
    "metrics": {"cls": ["accuracy"], "reg": ["mae"]},
}


def make_extras(arrays):
    """Schedules (custom loop), a two-output Functional model with dict losses, metrics
    and loss_weights, and an L2-regularized Sequential model."""
    import tensorflow as tf

    x, y, xv, yv, w0 = base_data()
    rng = np.random.default_rng(4321)
    y_reg = f32(x[:, :1] * 0.5 - x[:, 1:2] + 0.1 * rng.normal(size=(N, 1)))
    yv_reg = f32(xv[:, :1] * 0.5 - xv[:, 1:2])
    arrays.update(x=x, y=y, x_val=xv, y_val=yv, y_reg=y_reg, y_reg_val=yv_reg)
    for i, w in enumerate(w0):
        arrays[f"w0_{i}"] = w
    w_reg = [f32(rng.uniform(-0.5, 0.5, size=(H, 1))), f32(rng.uniform(-0.1, 0.1, size=(1,)))]
    arrays["w_reg_0"], arrays["w_reg_1"] = w_reg

    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    schedules = []
    for name, cls, kwargs in SCHEDULES:
        model = sequential()
        model.set_weights(w0)
        opt = make_optimizer(keras, cls, kwargs)
        step_losses, lrs = [], []
        for _, sl in batches():
            lrs.append(float(opt.learning_rate))
            with tf.GradientTape() as tape:
                loss = loss_fn(y[sl], model(x[sl], training=True))
            grads = tape.gradient(loss, model.trainable_weights)
            opt.apply_gradients(zip(grads, model.trainable_weights))
            step_losses.append(float(loss))
        for i, w in enumerate(model.get_weights()):
            arrays[f"{name}/final_{i}"] = w
        schedules.append({"name": name, "class": cls, "kwargs": kwargs,
                          "step_losses": step_losses, "learning_rates": lrs})

    models = []
    for name in ("multi_output", "regularized"):
        if name == "multi_output":
            model = multi_output()
            model.set_weights(w0 + w_reg)
            model.compile(optimizer=keras.optimizers.Adam(0.01), **MULTI_COMPILE)
            y_fit = {"cls": y, "reg": y_reg}
            val = (xv, {"cls": yv, "reg": yv_reg})
        else:
            model = regularized()
            model.set_weights(w0)
            model.compile(optimizer=keras.optimizers.SGD(0.1),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
            y_fit, val = y, (xv, yv)
        hist = model.fit(x, y_fit, batch_size=BATCH, epochs=STEPS // (N // BATCH),
                         shuffle=False, validation_data=val, verbose=0)
        ev = model.evaluate(*val, batch_size=BATCH, verbose=0, return_dict=True)
        weights = model.get_weights()
        for i, w in enumerate(weights):
            arrays[f"{name}/final_{i}"] = w
        models.append({"name": name, "n_weights": len(weights),
                       "history": {k: tolist(v) for k, v in hist.history.items()},
                       "evaluate": {k: float(v) for k, v in ev.items()}})
    return {"batch_size": BATCH, "epochs": STEPS // (N // BATCH), "n": N, "steps": STEPS,
            "schedules": schedules, "models": models, "multi_output_compile": MULTI_COMPILE,
            "cases": schedules + models}


def make_fit_features(arrays):
    """The cases of `fit_cases.py` (constraints, label smoothing, confusion metrics and
    RMSE, a shared layer with a nested model): history, evaluate, final weights."""
    import sys

    sys.path.insert(0, HERE)
    import fit_cases

    cases = []
    for name in fit_cases.CASES:
        model, history, ev = fit_cases.run(keras, name)
        weights = model.get_weights()
        for i, w in enumerate(weights):
            arrays[f"{name}/final_{i}"] = w
        cases.append({"name": name, "n_weights": len(weights),
                      "history": {k: tolist(v) for k, v in history.items()},
                      "evaluate": {k: float(v) for k, v in ev.items()}})
    return {"cases": cases}


def write(name, meta, arrays):
    meta = dict(meta, keras_version=keras.__version__, backend=keras.backend.backend())
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(meta, f, indent=1)
    np.savez_compressed(os.path.join(OUT, f"{name}.npz"), **arrays)


GROUPS = (("optimizers", make_optimizers), ("losses", make_losses),
          ("metrics", make_metrics), ("models", make_models), ("extras", make_extras),
          ("fit_features", make_fit_features))


def main():
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=[g for g, _ in GROUPS],
                        help="write only these fixture groups (default: all)")
    args = parser.parse_args()
    assert keras.__version__.startswith("3."), keras.__version__
    assert keras.backend.backend() == "tensorflow", keras.backend.backend()
    keras.utils.set_random_seed(0)
    os.makedirs(OUT, exist_ok=True)
    for name, make in GROUPS:
        if args.only and name not in args.only:
            continue
        arrays = {}
        meta = make(arrays)
        write(name, meta, arrays)
        print(f"wrote {name}: {len(meta['cases'])} cases")


if __name__ == "__main__":
    main()
