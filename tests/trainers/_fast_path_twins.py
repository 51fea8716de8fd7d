"""Twin runs for the fast-path tests: the same model trained once on the C++ fast path
and once on the eager path (fast path disabled), with the same seeds, then compared.

`twin(build, run)` builds the model after `keras.utils.set_random_seed(seed)` and
calls `np.random.seed(data_seed)` before `run(model)` (shuffling draws from NumPy's
global RNG), once per path. `record(model, ...)` fits, evaluates and predicts and
returns everything that must match; `assert_same(fast, eager)` compares two records.
"""

import numpy as np

import pyfastfit as keras
from pyfastfit import config

RTOL, ATOL = 1e-5, 1e-6
DISABLED = "disabled"


def twin(build, run, seed=7, data_seed=11):
    """`(fast_result, eager_result)` of `run(build())` on each path."""
    out = []
    for fast in (True, False):
        config.set_fast_path_enabled(fast)
        try:
            keras.utils.set_random_seed(seed)
            model = build()
            np.random.seed(data_seed)
            out.append(run(model))
        finally:
            config.set_fast_path_enabled(True)
    return out


def dropout_counters(model):
    return [layer._counter for layer in model.layers
            if isinstance(layer, keras.layers.Dropout)]


def state(model):
    """Weights, optimizer state and counters of a model (copies)."""
    opt = model.optimizer
    return {
        "weights": [np.array(w) for w in model.get_weights()],
        "opt_vars": [np.array(v) for v in opt.variables] if opt is not None else [],
        "iterations": int(np.asarray(opt.iterations)) if opt is not None else 0,
        "dropout": dropout_counters(model),
    }


def _flat(out):
    if isinstance(out, dict):
        return [np.asarray(out[k]) for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


def record(model, x, y, *, eval_data=None, eval_kw=None, predict_x=None,
           predict_kw=None, **fit_kw):
    """Fits `model` on (x, y), then evaluates and predicts; returns what must match
    between the paths, with the fast-path reason of each call."""
    fit_kw.setdefault("epochs", 2)
    fit_kw.setdefault("batch_size", 32)
    fit_kw.setdefault("verbose", 0)
    h = model.fit(x, y, **fit_kw)
    rec = {"fit_reason": model.fast_path_reason, "history": dict(h.history),
           "epoch": list(h.epoch)}
    rec.update(state(model))
    ex, ey = eval_data if eval_data is not None else (x, y)
    rec["evaluate"] = model.evaluate(ex, ey, verbose=0, return_dict=True,
                                     **(eval_kw or {}))
    rec["eval_reason"] = model.fast_path_reason
    rec["predict"] = _flat(model.predict(x if predict_x is None else predict_x, verbose=0,
                                         **(predict_kw or {})))
    rec["predict_reason"] = model.fast_path_reason
    return rec


def assert_close(a, b, what, rtol=RTOL, atol=ATOL):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} != {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def assert_logs_close(a, b, what, rtol=RTOL, atol=ATOL):
    assert list(a) == list(b), f"{what}: keys {list(a)} != {list(b)}"
    for k in a:
        assert_close(a[k], b[k], f"{what}[{k!r}]", rtol, atol)


def assert_same(fast, eager, rtol=RTOL, atol=ATOL):
    """Both records match; the fast one ran every call on the fast path."""
    for key in ("fit_reason", "eval_reason", "predict_reason"):
        if key in fast:
            assert fast[key] is None, f"{key}: {fast[key]}"
            assert DISABLED in eager[key], f"{key}: {eager[key]}"
    if "history" in fast:
        assert fast["epoch"] == eager["epoch"]
        assert_logs_close(fast["history"], eager["history"], "history", rtol, atol)
    assert len(fast["weights"]) == len(eager["weights"])
    for i, (a, b) in enumerate(zip(fast["weights"], eager["weights"])):
        assert_close(a, b, f"weight {i}", rtol, atol)
    assert len(fast["opt_vars"]) == len(eager["opt_vars"])
    for i, (a, b) in enumerate(zip(fast["opt_vars"], eager["opt_vars"])):
        assert_close(a, b, f"optimizer variable {i}", rtol, atol)
    assert fast["iterations"] == eager["iterations"]
    assert fast["dropout"] == eager["dropout"], "Dropout call counters"
    if "evaluate" in fast:
        assert_logs_close(fast["evaluate"], eager["evaluate"], "evaluate", rtol, atol)
    if "predict" in fast:
        assert len(fast["predict"]) == len(eager["predict"])
        for i, (a, b) in enumerate(zip(fast["predict"], eager["predict"])):
            assert_close(a, b, f"predict output {i}", rtol, atol)


# ---------------------------------------------------------------------- data
def features(n=300, d=8, seed=0):
    return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)


def class_labels(x, classes=3, seed=1):
    """Labels from a fixed random linear rule (learnable, all classes present)."""
    w = np.random.default_rng(seed).normal(size=(x.shape[1], classes))
    return np.argmax(x.reshape(len(x), -1) @ w, axis=1).astype(np.int64)


def one_hot(labels, classes):
    return np.eye(classes, dtype=np.float32)[labels]


def mlp(units, activation=None, n_in=8, hidden=16, dropout=0.2, optimizer="adam",
        loss="mse", metrics=None, **compile_kw):
    """`Input(n_in) -> Dense(hidden, relu) -> [Dropout] -> Dense(units, activation)`."""
    layers = [keras.Input((n_in,)), keras.layers.Dense(hidden, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(dropout))
    layers.append(keras.layers.Dense(units, activation=activation))
    model = keras.Sequential(layers)
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, **compile_kw)
    return model
