"""Compiled step functions (`pyfastfit.function` around `train_step` / `test_step` /
`predict_step`, the default of `compile`) give the numbers `run_eagerly=True` gives, on
the programs of the keras.io guides: each scenario runs the same seeded program twice and
compares History, evaluate, predict and the final weights, and checks which path the
compiled run took (replayed, or eager with a sensible reason)."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops
from tests.integration._compiled import (  # noqa: F401 (eager_loop: a fixture)
    MLP, assert_same, bn_dropout_model, eager_loop, make_data, replayed, twice)


class WeightedHits(keras.metrics.Metric):
    """A Metric subclass: state from add_variable, updated with assign_add."""

    def __init__(self, name="weighted_hits", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
        self.seen = self.add_variable(shape=(), initializer="zeros", name="seen")

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = ops.cast(ops.reshape(y_true, (-1,)), "int32")
        hit = ops.cast(ops.equal(y_true, ops.cast(ops.argmax(y_pred, axis=-1), "int32")),
                       "float32")
        w = ops.ones_like(hit) if sample_weight is None else ops.reshape(
            ops.cast(sample_weight, "float32"), (-1,))
        self.hits.assign_add(ops.sum(ops.multiply(hit, w)))
        self.seen.assign_add(ops.sum(w))

    def result(self):
        return ops.divide(self.hits.value, ops.maximum(self.seen.value, 1e-7))

    def reset_state(self):
        self.hits.assign(0.0)
        self.seen.assign(0.0)


def test_subclassed_model_custom_layers_add_loss_metric_and_weights():
    x, y = make_data()
    sw = np.linspace(0.5, 1.5, len(x)).astype("float32")

    def program(run_eagerly):
        keras.utils.set_random_seed(1)
        model = MLP()
        model.compile(optimizer=keras.optimizers.Adam(0.01),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=[WeightedHits(), "sparse_categorical_accuracy"],
                      run_eagerly=run_eagerly)
        h = model.fit(x, y, sample_weight=sw, batch_size=8, epochs=3, verbose=0,
                      shuffle=False)
        history = dict(h.history)
        # A second fit: class_weight instead (the step function is rechecked).
        h = model.fit(x, y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}, batch_size=8, epochs=2,
                      verbose=0, shuffle=False, validation_data=(x[:20], y[:20]))
        history.update({"cw_" + k: v for k, v in h.history.items()})
        return {"model": model, "history": history,
                "eval": model.evaluate(x, y, sample_weight=sw, batch_size=16, verbose=0,
                                       return_dict=True),
                "pred": [model.predict(x, batch_size=16, verbose=0)]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None
        assert replayed(fn)
    # The activity penalty is in the loss (it is larger than the weighted CE alone).
    assert eager["history"]["loss"][0] > 0


# ------------------------------------------------------------- overridden step methods
class CustomSteps(keras.Model):
    """'Customizing what happens in fit()': own loss tracker and `metrics` property."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.d1 = layers.Dense(8, activation="relu")
        self.d2 = layers.Dense(3)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.acc = keras.metrics.SparseCategoricalAccuracy(name="acc")
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.python_calls = {"train": 0, "test": 0, "predict": 0}

    def call(self, inputs, training=False):
        return self.d2(self.d1(inputs))

    @property
    def metrics(self):
        return [self.loss_tracker, self.acc]

    def train_step(self, data):
        self.python_calls["train"] += 1
        x, y = data
        with keras.GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self.loss_fn(y, y_pred)
        grads = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply_gradients(zip(grads, self.trainable_variables))
        self.loss_tracker.update_state(loss)
        self.acc.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def test_step(self, data):
        self.python_calls["test"] += 1
        x, y = data
        y_pred = self(x, training=False)
        self.loss_tracker.update_state(self.loss_fn(y, y_pred))
        self.acc.update_state(y, y_pred)
        return {m.name: m.result() for m in self.metrics}

    def predict_step(self, data):
        self.python_calls["predict"] += 1
        x = data[0] if isinstance(data, (tuple, list)) else data
        return ops.softmax(self(x, training=False))


def test_overridden_train_test_predict_steps():
    x, y = make_data(n=64)

    def program(run_eagerly):
        keras.utils.set_random_seed(2)
        model = CustomSteps()
        model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=run_eagerly)
        h = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                      validation_data=(x[:32], y[:32]))
        return {"model": model, "history": h.history,
                "eval": model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True),
                "pred": [model.predict(x, batch_size=16, verbose=0)]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    np.testing.assert_allclose(compiled["pred"][0].sum(axis=1), 1.0, rtol=1e-5)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None and replayed(fn)
    # Python ran a warm-up and two recordings per signature; the rest were replays.
    # test_step has two signatures (validation batches of 8, evaluate's of 16), and each
    # validation pass after the first records once more (evaluate's recheck).
    assert eager["model"].python_calls == {"train": 24, "test": 3 * 4 + 4, "predict": 4}
    assert model.python_calls == {"train": 3, "test": 3 + 2 + 3, "predict": 3}


# -------------------------------------------- BatchNorm, Dropout, schedules, LR callbacks

_PY_LR = {"value": 0.02}


def _reset_py_lr():
    _PY_LR["value"] = 0.02
    return keras.callbacks.Callback()


class InverseSqrtSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """A user schedule written with ops on the step tensor."""

    def __call__(self, step):
        step = ops.cast(step, "float32")
        return ops.divide(0.05, ops.sqrt(ops.add(step, 1.0)))


LR_SETUPS = {
    "lr-callbacks": (lambda: keras.optimizers.SGD(0.1, momentum=0.9), lambda: [
        keras.callbacks.LearningRateScheduler(lambda e, lr: lr * 0.5 if e >= 1 else lr),
        # min_delta larger than any improvement: the LR is cut after every epoch.
        keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0,
                                          min_delta=10.0)]),
    "exponential-decay": (lambda: keras.optimizers.Adam(
        keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=3, decay_rate=0.5)),
        lambda: []),
    # A callable rate reads Python state (changed by a callback): called before each step.
    "callable-lr": (lambda: keras.optimizers.RMSprop(lambda: _PY_LR["value"]), lambda: [
        _reset_py_lr(), keras.callbacks.LambdaCallback(
            on_epoch_end=lambda epoch, logs: _PY_LR.update(value=_PY_LR["value"] / 2))]),
    "custom-schedule": (lambda: keras.optimizers.SGD(InverseSqrtSchedule(), momentum=0.5),
                        lambda: []),
}


@pytest.mark.parametrize("setup", list(LR_SETUPS), ids=list(LR_SETUPS))
def test_batchnorm_dropout_and_learning_rate_changes(setup, eager_loop):
    x, y = make_data()
    make_opt, make_callbacks = LR_SETUPS[setup]

    def program(run_eagerly):
        keras.utils.set_random_seed(1)
        model = bn_dropout_model()
        model.compile(optimizer=make_opt(),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], run_eagerly=run_eagerly)
        h = model.fit(x, y, batch_size=8, epochs=4, verbose=0, shuffle=False,
                      callbacks=make_callbacks())
        return {"model": model, "history": h.history,
                "eval": model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True),
                "pred": [model.predict(x, batch_size=16, verbose=0)],
                "extra": [model.optimizer.iterations.numpy(),
                          np.float32(model.optimizer.learning_rate)]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert compiled["model"].train_function.fallback_reason is None
    assert replayed(compiled["model"].train_function)
    if setup == "lr-callbacks":
        # The rate each epoch ran with: the scheduler halves it from epoch 1 on, the
        # plateau callback cuts it after every epoch but the first (an improvement on inf).
        np.testing.assert_allclose(compiled["history"]["learning_rate"],
                                   [0.1, 0.05, 0.0125, 0.003125], rtol=1e-6)
        np.testing.assert_allclose(compiled["extra"][1], 0.0015625, rtol=1e-6)
    if setup == "callable-lr":
        np.testing.assert_allclose(compiled["extra"][1], 0.02 / 16, rtol=1e-6)

# ------------------------------------------------ Functional: Lambda, multiple inputs/outputs
def _two_in_two_out():
    a = keras.Input(shape=(6,), name="a")
    b = keras.Input(shape=(4,), name="b")
    h = layers.Concatenate()([layers.Dense(8, activation="tanh")(a),
                              layers.Lambda(lambda t: ops.multiply(t, 2.0))(b)])
    h = layers.Lambda(lambda t: ops.relu(ops.subtract(t, 0.1)))(h)
    cls = layers.Dense(3, name="cls")(h)
    reg = layers.Dense(1, name="reg")(h)
    return keras.Model({"a": a, "b": b}, {"cls": cls, "reg": reg})


def test_functional_lambda_multi_io_loss_weights(eager_loop):
    rng = np.random.default_rng(5)
    xa, y = make_data(n=60)
    xb = rng.standard_normal((60, 4)).astype("float32")
    target = (xa[:, :1] * 0.5 + xb[:, 1:2]).astype("float32")
    inputs, outputs = {"a": xa, "b": xb}, {"cls": y, "reg": target}

    def program(run_eagerly):
        keras.utils.set_random_seed(4)
        model = _two_in_two_out()
        model.compile(
            optimizer=keras.optimizers.Adam(0.01),
            loss={"cls": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  "reg": "mse"},
            loss_weights={"cls": 1.0, "reg": 0.3},
            metrics={"cls": ["sparse_categorical_accuracy"], "reg": ["mae"]},
            run_eagerly=run_eagerly)
        h = model.fit(inputs, outputs, batch_size=16, epochs=3, verbose=0, shuffle=False,
                      validation_split=0.25)
        pred = model.predict(inputs, batch_size=16, verbose=0)
        return {"model": model, "history": h.history,
                "eval": model.evaluate(inputs, outputs, batch_size=16, verbose=0,
                                       return_dict=True),
                "pred": [pred["cls"], pred["reg"]]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert {"cls_loss", "reg_loss", "val_reg_mae"} <= set(compiled["history"])
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None and replayed(fn)


# ------------------------------------------- partial final batch, steps_per_execution > 1
def test_partial_batches_and_steps_per_execution():
    # 70 samples in batches of 16: four full batches and one of 6, a signature of its
    # own that is warmed up, recorded and replayed over the epochs like the others.
    x, y = make_data(n=70)

    def program(run_eagerly):
        keras.utils.set_random_seed(6)
        model = MLP()
        model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.5),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["sparse_categorical_accuracy"], steps_per_execution=3,
                      run_eagerly=run_eagerly)
        batch_logs = []

        class Record(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                batch_logs.append([batch, logs["loss"]])

        h = model.fit(x, y, batch_size=16, epochs=5, verbose=0, shuffle=False,
                      callbacks=[Record()])
        evals = [model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
                 for _ in range(4)]
        preds = [model.predict(x, batch_size=16, verbose=0) for _ in range(4)]
        return {"model": model, "history": h.history, "eval": evals[-1],
                "pred": preds + [np.array(batch_logs)],
                "extra": [[e["loss"] for e in evals]]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    # steps_per_execution=3: batch hooks at the ends of steps 2 and 4 of each epoch.
    np.testing.assert_array_equal(compiled["pred"][-1][:, 0], [2, 4] * 5)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None
        # Both the full and the partial batch signature replayed.
        assert len(fn._entries) == 2
        assert all(e.recording is not None for e in fn._entries.values())
    assert eager["pred"][0].shape == (70, 3)
