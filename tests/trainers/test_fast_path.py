"""The fast path's behaviour around the numbers: batch-hook callbacks and early stop,
progress-bar output, fallbacks to the eager path (with `fast_path_reason`), concurrent
predict, program caching when weights/optimizer/trainability change, and bad inputs.
(Numerical equivalence per optimizer/loss/metric: test_fast_path_equivalence.py.)"""

import re

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from tests.helpers import run_in_threads
from tests.trainers._fast_path_twins import (
    assert_close,
    assert_logs_close,
    assert_same,
    class_labels,
    features,
    mlp,
    one_hot,
    record,
    state,
    twin,
)

K = keras.layers
X = features()
Y3 = class_labels(X, 3)


def _classifier(**kw):
    kw.setdefault("optimizer", keras.optimizers.Adam(0.01))
    kw.setdefault("loss", "sparse_categorical_crossentropy")
    kw.setdefault("metrics", ["accuracy"])
    return mlp(3, "softmax", **kw)


def _floats(logs):
    return {k: float(np.asarray(v)) for k, v in (logs or {}).items()}


# ---------------------------------------------------------------------- config
def test_reason_none_after_each_fast_call_and_disable_switch():
    m = _classifier()
    assert m.fast_path_reason is None  # before any call: what the model allows
    m.fit(X, Y3, epochs=1, verbose=0)
    assert m.fast_path_reason is None
    m.evaluate(X, Y3, verbose=0)
    assert m.fast_path_reason is None
    m.predict(X, verbose=0)
    assert m.fast_path_reason is None
    config.set_fast_path_enabled(False)
    assert not config.is_fast_path_enabled()
    m.fit(X, Y3, epochs=1, verbose=0)
    assert "set_fast_path_enabled" in m.fast_path_reason
    config.set_fast_path_enabled(True)
    m.predict(X, verbose=0)
    assert m.fast_path_reason is None


def test_set_fast_path_enabled_rejects_non_bool():
    with pytest.raises(ValueError, match="bool"):
        config.set_fast_path_enabled("yes")
    assert config.is_fast_path_enabled()


# ---------------------------------------------------------------------- callbacks
class Recorder(keras.callbacks.Callback):
    """Records batch/epoch hooks; sets `model.stop_training` at the `stop_at`-th
    train batch (counting across epochs)."""

    def __init__(self, stop_at=None):
        super().__init__()
        self.stop_at = stop_at
        self.events = []
        self.train_logs = []
        self.test_logs = []
        self.predict_outputs = []

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(("train_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(("train_end", batch))
        self.train_logs.append(_floats(logs))
        if self.stop_at is not None and len(self.train_logs) == self.stop_at:
            self.model.stop_training = True

    def on_test_batch_end(self, batch, logs=None):
        self.events.append(("test_end", batch))
        self.test_logs.append(_floats(logs))

    def on_predict_batch_end(self, batch, logs=None):
        self.events.append(("predict_end", batch))
        self.predict_outputs.append(np.array(logs["outputs"]))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, tuple(sorted(logs))))


def _assert_same_hooks(fast_cb, eager_cb):
    assert fast_cb.events == eager_cb.events
    assert len(fast_cb.train_logs) == len(eager_cb.train_logs)
    for i, (a, b) in enumerate(zip(fast_cb.train_logs, eager_cb.train_logs)):
        assert_logs_close(a, b, f"train batch {i} logs")
    for i, (a, b) in enumerate(zip(fast_cb.test_logs, eager_cb.test_logs)):
        assert_logs_close(a, b, f"test batch {i} logs")
    assert len(fast_cb.predict_outputs) == len(eager_cb.predict_outputs)
    for i, (a, b) in enumerate(zip(fast_cb.predict_outputs, eager_cb.predict_outputs)):
        assert_close(a, b, f"predict batch {i} outputs")


@pytest.mark.parametrize("stop_at", [None, 4, 13])
def test_batch_hooks_and_stop_training(stop_at):
    """Per-batch logs, hook order and the stopping step match the eager loop."""
    def run(m):
        cb = Recorder(stop_at)
        h = m.fit(X, Y3, epochs=3, batch_size=32, validation_split=0.2, callbacks=[cb],
                  verbose=0)
        rec = {"fit_reason": m.fast_path_reason, "history": dict(h.history),
               "epoch": list(h.epoch), "cb": cb}
        rec.update(state(m))
        return rec

    fast, eager = twin(lambda: _classifier(dropout=0.3), run)
    assert_same(fast, eager)
    _assert_same_hooks(fast["cb"], eager["cb"])
    n_steps = len(fast["cb"].train_logs)
    assert n_steps == (stop_at or 3 * 8)
    assert fast["iterations"] == n_steps
    assert fast["cb"].train_logs[0].keys() == {"loss", "accuracy"}


def test_test_and_predict_batch_hooks():
    def run(m):
        cb = Recorder()
        m.fit(X, Y3, epochs=1, verbose=0)
        rec = state(m)
        rec["evaluate"] = m.evaluate(X, Y3, batch_size=50, callbacks=[cb], verbose=0,
                                     return_dict=True)
        rec["eval_reason"] = m.fast_path_reason
        rec["predict"] = [m.predict(X, batch_size=64, callbacks=[cb], verbose=0)]
        rec["predict_reason"] = m.fast_path_reason
        rec["cb"] = cb
        return rec

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    _assert_same_hooks(fast["cb"], eager["cb"])
    assert [e[1] for e in fast["cb"].events if e[0] == "test_end"] == list(range(6))
    assert [e[1] for e in fast["cb"].events if e[0] == "predict_end"] == list(range(5))
    assert fast["cb"].predict_outputs[-1].shape == (300 - 4 * 64, 3)


def test_epoch_level_callbacks_changing_learning_rate():
    """A callback that changes the optimizer's learning rate between epochs."""
    class Halve(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            self.model.optimizer.learning_rate = lr * 0.5

    fast, eager = twin(lambda: _classifier(optimizer=keras.optimizers.SGD(0.2)),
                       lambda m: record(m, X, Y3, epochs=3, callbacks=[Halve()]))
    assert_same(fast, eager)


def test_steps_per_execution_same_training():
    def build():
        return _classifier(steps_per_execution=4)

    assert_same(*twin(build, lambda m: record(m, X, Y3, epochs=2)))


# ---------------------------------------------------------------------- progbar
_ANSI = re.compile(r"\x1b\[[0-9;]*m|\x08")


def _progbar_lines(text):
    """Final state of each progress-bar line (after carriage returns), ANSI-free."""
    lines = []
    for raw in _ANSI.sub("", text).split("\n"):
        last = raw.split("\r")[-1].strip()
        if last:
            lines.append(last)
    return lines


def _keys(line):
    return re.findall(r"(\w+): -?[\d.]+(?:e[-+]?\d+)?", line)


def _strip_timing(line):
    line = re.sub(r"\d+(\.\d+)?(s|ms|us)/step", "T/step", line)
    return re.sub(r"\b\d+(\.\d+)?(s|ms|us)\b", "T", line)


@pytest.mark.parametrize("with_hooks", [False, True], ids=["bar_only", "with_batch_hooks"])
@pytest.mark.parametrize("verbose", [1, 2])
def test_progress_output_format_unchanged(verbose, with_hooks, capsys):
    y = one_hot(Y3, 3)

    def run(m):
        cbs = [Recorder()] if with_hooks else []
        m.fit(X, y, epochs=2, validation_split=0.2, verbose=verbose, callbacks=cbs)
        fit_out = capsys.readouterr().out
        m.evaluate(X, y, verbose=verbose)
        eval_out = capsys.readouterr().out
        m.predict(X, verbose=verbose)
        pred_out = capsys.readouterr().out
        return _progbar_lines(fit_out), _progbar_lines(eval_out), _progbar_lines(pred_out)

    fast, eager = twin(lambda: _classifier(loss="categorical_crossentropy",
                                           metrics=["accuracy", "mse"]), run)
    for f_lines, e_lines in zip(fast, eager):
        assert len(f_lines) == len(e_lines), (f_lines, e_lines)
        for f, e in zip(f_lines, e_lines):
            assert _keys(f) == _keys(e), (f, e)
            assert _strip_timing(f) == _strip_timing(e), (f, e)
    fit_lines = fast[0]
    assert fit_lines[0] == "Epoch 1/2"
    assert _keys(fit_lines[1]) == ["accuracy", "loss", "mse", "val_accuracy", "val_loss",
                                   "val_mse"]
    assert fit_lines[1].startswith("8/8")


# ---------------------------------------------------------------------- fallbacks
class MyDense(K.Dense):
    pass


class Doubling(K.Layer):
    def call(self, x):
        return x * 2.0


class Subclassed(keras.Model):
    def __init__(self):
        super().__init__()
        self.d1 = K.Dense(8, activation="relu")
        self.d2 = K.Dense(3, activation="softmax")

    def call(self, x):
        return self.d2(self.d1(x))


class OwnTrainStep(keras.Sequential):
    def train_step(self, data):
        return super().train_step(data)


def _my_loss(y_true, y_pred):
    return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


class MyLoss(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(keras.ops.square(y_true - y_pred), axis=-1)


class MyRegularizer(keras.regularizers.Regularizer):
    def __call__(self, x):
        return keras.ops.sum(keras.ops.abs(x)) * 0.01


def _seq(*body, n_in=8):
    return keras.Sequential([keras.Input((n_in,))] + list(body))


def _shared_dropout():
    inp = keras.Input((8,))
    drop = K.Dropout(0.3)
    h = K.Dense(8, activation="tanh")(inp)
    return keras.Model(inp, K.Dense(3, activation="softmax")(K.Add()([drop(h), drop(h)])))


class _CustomCallModel(keras.Model):
    def call(self, inputs):
        return super().call(inputs) * 2.0


def _nested_custom_call():
    a = keras.Input((8,))
    inner = _CustomCallModel(a, K.Dense(8, activation="relu")(a))
    inp = keras.Input((8,))
    return keras.Model(inp, K.Dense(3, activation="softmax")(inner(inp)))


def _softmax_dense():
    return _seq(K.Dense(8, activation="relu"), K.Dense(3, activation="softmax"))


FALLBACKS = {
    # name: (model factory, compile overrides, fit overrides, target kind, reason regex)
    "custom_layer_subclass": (lambda: _seq(MyDense(8), K.Dense(3, activation="softmax")),
                              {}, {}, "sparse", r"MyDense.*no fast-path kernel"),
    "custom_layer": (lambda: _seq(K.Dense(8), Doubling(), K.Dense(3, activation="softmax")),
                     {}, {}, "sparse", r"Doubling"),
    "lambda_layer": (lambda: _seq(K.Dense(8), K.Lambda(lambda t: t * 2.0),
                                  K.Dense(3, activation="softmax")),
                     {}, {}, "sparse", r"Lambda"),
    "custom_regularizer": (lambda: _seq(K.Dense(8, kernel_regularizer=MyRegularizer()),
                                        K.Dense(3, activation="softmax")),
                           {}, {}, "sparse", r"custom kernel_regularizer"),
    "custom_activity_regularizer": (lambda: _seq(
        K.Dense(8, activity_regularizer=MyRegularizer()), K.Dense(3, activation="softmax")),
        {}, {}, "sparse", r"custom activity_regularizer"),
    "kernel_constraint": (lambda: _seq(K.Dense(8, kernel_constraint=lambda w: w),
                                       K.Dense(3, activation="softmax")),
                          {}, {}, "sparse", r"custom kernel constraint"),
    "callable_activation": (lambda: _seq(K.Dense(8, activation=lambda t: t * 0.5),
                                         K.Dense(3, activation="softmax")),
                            {}, {}, "sparse", r"custom activation"),
    "relu_max_value": (lambda: _seq(K.Dense(8), K.ReLU(max_value=1.0),
                                    K.Dense(3, activation="softmax")),
                       {}, {}, "sparse", r"max_value"),
    "dropout_noise_shape": (lambda: _seq(K.Dense(8), K.Dropout(0.3, noise_shape=(1, 8)),
                                         K.Dense(3, activation="softmax")),
                            {}, {}, "sparse", r"noise_shape"),
    "shared_dropout": (_shared_dropout, {}, {}, "sparse",
                       r"layer 'dropout\w*' \(Dropout\) is shared"),
    "nested_custom_call": (_nested_custom_call, {}, {}, "sparse",
                           r"nested model that overrides call\(\)"),
    "subclassed_model": (Subclassed, {}, {}, "sparse", r"Subclassed is a subclassed model"),
    "overridden_train_step": (lambda: OwnTrainStep([keras.Input((8,)),
                                                    K.Dense(3, activation="softmax")]),
                              {}, {}, "sparse", r"overrides train_step"),
    "run_eagerly": (_softmax_dense, {"run_eagerly": True}, {}, "sparse", r"run_eagerly"),
    "custom_loss_function": (_softmax_dense, {"loss": _my_loss}, {}, "onehot", r"_my_loss"),
    "custom_loss_subclass": (_softmax_dense, {"loss": MyLoss()}, {}, "onehot",
                             r"not a built-in loss"),
    "ignore_class": (_softmax_dense,
                     {"loss": keras.losses.SparseCategoricalCrossentropy(ignore_class=0)},
                     {}, "sparse", r"ignore_class"),
    "kl_divergence_loss": (_softmax_dense, {"loss": "kl_divergence"}, {}, "onehot",
                           r"kl_divergence"),
    "reduction_mean": (_softmax_dense, {"loss": keras.losses.MeanSquaredError(
        reduction="mean")}, {}, "onehot", r"reduction"),
    "auc_from_logits": (_softmax_dense, {"loss": "categorical_crossentropy",
                                         "metrics": [keras.metrics.AUC(from_logits=True)]},
                        {}, "onehot", r"AUC\) has multi_label, from_logits"),
    "precision_top_k": (_softmax_dense, {"loss": "categorical_crossentropy",
                                         "metrics": [keras.metrics.Precision(top_k=2)]}, {},
                        "onehot", r"Precision\) has top_k or class_id"),
    "cosine_similarity_metric": (_softmax_dense, {
        "loss": "mse", "metrics": [keras.metrics.CosineSimilarity()]}, {}, "onehot",
        r"CosineSimilarity\) has no fast-path kernel"),
    "ema_optimizer": (_softmax_dense, {"optimizer": lambda: keras.optimizers.Adam(
        use_ema=True)}, {}, "sparse", r"EMA"),
    "gradient_accumulation": (_softmax_dense, {"optimizer": lambda: keras.optimizers.Adam(
        gradient_accumulation_steps=2)}, {}, "sparse", r"gradient accumulation"),
    "callable_learning_rate": (_softmax_dense, {"optimizer": lambda: keras.optimizers.SGD(
        learning_rate=lambda: 0.05)}, {}, "sparse", r"callable"),
    "steps_per_epoch": (_softmax_dense, {}, {"steps_per_epoch": 5}, "sparse",
                        r"steps_per_epoch"),
    "mapped_dataset_input": (_softmax_dense, {}, {"as": "mapped_dataset"}, "sparse",
                             r"not from_tensor_slices\(\.\.\.\) batched by batch\(\)"),
    "generator_input": (_softmax_dense, {}, {"as": "generator"}, "sparse",
                        r"generator or iterable"),
    "py_dataset_input": (_softmax_dense, {}, {"as": "py_dataset"}, "sparse",
                         r"generator or iterable"),
}


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y):
        super().__init__()
        self.x, self.y = x, y

    def __len__(self):
        return int(np.ceil(len(self.x) / 32))

    def __getitem__(self, i):
        return self.x[i * 32:(i + 1) * 32], self.y[i * 32:(i + 1) * 32]


def _as_data(kind, x, y):
    if kind == "mapped_dataset":
        ds = keras.data.Dataset.from_tensor_slices((x, y)).map(lambda a, b: (a * 2.0, b))
        return ds.batch(32), None
    if kind == "generator":
        def gen():
            for i in range(0, len(x), 32):
                yield x[i:i + 32], y[i:i + 32]
        return gen(), None
    return _Batches(x, y), None


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_fallback_reason_and_still_trains(name):
    build, compile_kw, fit_kw, target, pattern = FALLBACKS[name]
    compile_kw, fit_kw = dict(compile_kw), dict(fit_kw)
    keras.utils.set_random_seed(3)
    x = X
    model = build()
    opt = compile_kw.pop("optimizer", "adam")
    model.compile(optimizer=opt() if callable(opt) else opt,
                  loss=compile_kw.pop("loss", "sparse_categorical_crossentropy"),
                  **compile_kw)
    y = one_hot(Y3, 3) if target == "onehot" else Y3
    kind = fit_kw.pop("as", None)
    if kind is not None:
        x, y = _as_data(kind, X, y)
    before = [np.array(w) for w in model.get_weights()] if model.built else None
    h = model.fit(x, y, epochs=2, verbose=0, **fit_kw)
    reason = model.fast_path_reason
    assert isinstance(reason, str) and reason, reason
    assert re.search(pattern, reason), reason
    assert np.isfinite(h.history["loss"]).all()
    assert int(np.asarray(model.optimizer.iterations)) > 0
    if before is not None:
        assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_fallback_for_output_without_loss():
    inp = keras.Input((8,))
    h = K.Dense(8, activation="relu")(inp)
    a = K.Dense(3, activation="softmax", name="a")(h)
    b = K.Dense(2, name="b")(h)
    m = keras.Model(inp, [a, b])
    m.compile(optimizer="adam", loss={"a": "sparse_categorical_crossentropy"})
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        h = m.fit(X, {"a": Y3}, epochs=1, verbose=0)
    assert m.fast_path_reason == "an output of the model has no loss"
    assert np.isfinite(h.history["loss"]).all()
    assert m.predict(X, verbose=0)[1].shape == (300, 2)


def test_fallback_on_one_call_does_not_stick():
    """A generator call falls back; the next NumPy call runs on the fast path again."""
    m = _classifier()
    m.fit(((X[i:i + 32], Y3[i:i + 32]) for i in range(0, len(X), 32)), epochs=1, verbose=0)
    assert "generator" in m.fast_path_reason
    m.fit(X, Y3, epochs=1, verbose=0)
    assert m.fast_path_reason is None
    m.fit(X, Y3, epochs=1, steps_per_epoch=3, verbose=0)
    assert m.fast_path_reason is not None
    m.evaluate(X, Y3, verbose=0)
    assert m.fast_path_reason is None


# ---------------------------------------------------------------------- program cache
def test_set_weights_after_fit_is_seen():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.predict(X, verbose=0)
        rng = np.random.default_rng(4)
        m.set_weights([rng.normal(size=w.shape).astype(np.float32) * 0.3
                       for w in m.get_weights()])
        return record(m, X, Y3, epochs=1)

    assert_same(*twin(_classifier, run))


def test_recompile_with_new_optimizer_loss_and_metrics():
    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        m.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.5),
                  loss=keras.losses.CategoricalCrossentropy(), metrics=["mse"])
        return record(m, X, one_hot(Y3, 3), epochs=2)

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    assert list(fast["history"]) == ["loss", "mse"]


def test_different_data_between_calls():
    """The program caches per model, the data per call: new arrays are used."""
    x2 = features(n=200, seed=5)
    y2 = class_labels(x2, 3)

    def run(m):
        m.fit(X, Y3, epochs=1, verbose=0)
        return record(m, x2, y2, epochs=2, batch_size=50, eval_data=(X, Y3))

    assert_same(*twin(_classifier, run))


# ---------------------------------------------------------------------- threads
def test_predict_from_four_threads_matches_single_threaded():
    m = _classifier(dropout=0.4)
    m.fit(X, Y3, epochs=1, verbose=0)
    inputs = [features(n=n, seed=s) for n, s in ((300, 1), (123, 2), (64, 3), (257, 4))]
    batch_sizes = [32, 17, 64, 100]
    expected = [m.predict(x, batch_size=b, verbose=0) for x, b in zip(inputs, batch_sizes)]
    assert m.fast_path_reason is None
    results = [[None] * 4 for _ in range(5)]

    def work(i):
        for r in range(5):
            results[r][i] = m.predict(inputs[i], batch_size=batch_sizes[i], verbose=0)

    run_in_threads(work)
    for r in range(5):
        for got, want in zip(results[r], expected):
            np.testing.assert_array_equal(got, want)
    config.set_fast_path_enabled(False)
    eager = m.predict(inputs[1], batch_size=17, verbose=0)
    np.testing.assert_allclose(expected[1], eager, rtol=1e-5, atol=1e-6)


def test_predict_from_threads_on_a_fresh_model():
    """The first predict calls race to build the program."""
    keras.utils.set_random_seed(2)
    m = keras.Sequential([keras.Input((8,)), K.Dense(16, activation="relu"), K.Dense(4)])
    outs = [None] * 4

    def work(i):
        outs[i] = m.predict(X, batch_size=16 * (i + 1), verbose=0)

    run_in_threads(work)
    for o in outs[1:]:
        np.testing.assert_allclose(o, outs[0], rtol=1e-6, atol=1e-6)
    config.set_fast_path_enabled(False)
    np.testing.assert_allclose(m.predict(X, verbose=0), outs[0], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_wrong_feature_count_raises(fast):
    config.set_fast_path_enabled(fast)
    m = _classifier()
    for call in (lambda: m.fit(X[:, :7], Y3, epochs=1, verbose=0),
                 lambda: m.evaluate(X[:, :7], Y3, verbose=0),
                 lambda: m.predict(X[:, :7], verbose=0),
                 lambda: m.fit(np.ones((300, 9), np.float32), Y3, epochs=1, verbose=0)):
        with pytest.raises(ValueError, match=r"\b(7|9)\b"):
            call()


@pytest.mark.parametrize("bad", [3, -1, 10 ** 12])
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_labels_out_of_range_raise(bad, fast):
    config.set_fast_path_enabled(fast)
    m = _classifier()
    y = Y3.copy()
    y[0] = bad
    with pytest.raises(ValueError, match=r"out of range"):
        m.fit(X, y, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"out of range"):
        m.evaluate(X, y, verbose=0)


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "eager"])
def test_wrong_target_shapes_raise(fast):
    config.set_fast_path_enabled(fast)
    m = mlp(3, "softmax", loss="categorical_crossentropy")
    with pytest.raises(ValueError):
        m.fit(X, one_hot(Y3, 4), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(X, Y3[:100], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="cardinality"):
        m.fit(X, one_hot(Y3, 3), sample_weight=np.ones(10), epochs=1, verbose=0)
    assert int(np.asarray(m.optimizer.iterations)) == 0


# ---------------------------------------------------------------------- hooks that act
class _ActingCallback(keras.callbacks.Callback):
    """Predicts/evaluates inside hooks and rescales the weights at batch 3."""

    def __init__(self):
        super().__init__()
        self.outputs = []

    def on_train_batch_end(self, batch, logs=None):
        if batch % 3 == 0:
            self.outputs.append(self.model.predict(X[:20], verbose=0))
        if batch == 3:
            self.model.set_weights([w * 0.5 for w in self.model.get_weights()])
            kernel = self.model.layers[0].kernel
            kernel.assign(np.asarray(kernel) * 0.9)

    def on_epoch_end(self, epoch, logs=None):
        self.outputs.append(np.array(self.model.evaluate(X, Y3, verbose=0)))


def test_callbacks_that_predict_evaluate_and_set_weights_mid_epoch():
    def run(m):
        cb = _ActingCallback()
        rec = record(m, X, Y3, callbacks=[cb])
        rec["predict"] = rec["predict"] + cb.outputs
        return rec

    fast, eager = twin(_classifier, run)
    assert_same(fast, eager)
    assert len(fast["predict"]) == 1 + 2 * (4 + 1)  # predict at batches 0,3,6,9 + evaluate
