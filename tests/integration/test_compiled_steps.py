"""Compiled step functions (`pyfastfit.function` around `train_step` / `test_step` /
`predict_step`, the default of `compile`) give the numbers `run_eagerly=True` gives, on
the programs of the keras.io guides: each scenario runs the same seeded program twice and
compares History, evaluate, predict and the final weights, and checks which path the
compiled run took (replayed, or eager with a sensible reason)."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import layers, ops
from pyfastfit.capture import Function

RTOL, ATOL = 1e-5, 1e-6


def _data(n=70, d=6, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)).astype("float32"),
            rng.integers(0, k, n).astype("int32"))


@pytest.fixture
def eager_loop():
    """Built-in models too take the eager loop (the C++ fast path off)."""
    keras.config.set_fast_path_enabled(False)
    yield
    keras.config.set_fast_path_enabled(True)


def _replayed(fn):
    """True when `fn` is a Function that has a confirmed recording (it replayed)."""
    return isinstance(fn, Function) and any(
        e.recording is not None for e in fn._entries.values())


def _twice(program):
    """(eager, compiled) results of `program(run_eagerly)`."""
    return program(True), program(False)


def _assert_same(eager, compiled):
    """Same History, evaluate and predict values, and final weights."""
    model_e, model_c = eager["model"], compiled["model"]
    assert not isinstance(model_e.train_function, Function)
    for key in ("history", "eval"):
        if key not in eager:
            continue
        assert list(eager[key]) == list(compiled[key])
        for name in eager[key]:
            np.testing.assert_allclose(compiled[key][name], eager[key][name], rtol=RTOL,
                                       atol=ATOL, err_msg=f"{key}[{name!r}]")
    for key in ("pred", "extra"):
        if key in eager:
            for a, b in zip(eager[key], compiled[key]):
                np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=RTOL,
                                           atol=ATOL, err_msg=key)
    # Layer names get new suffixes in the second model: compare the weights' own names.
    names_e = [(w.name, w.shape) for w in model_e.weights]
    assert names_e == [(w.name, w.shape) for w in model_c.weights]
    for name, a, b in zip(names_e, model_e.get_weights(), model_c.get_weights()):
        np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=name)


# --------------------------------------------------------------------------- subclassing
class Linear(layers.Layer):
    """The guide's custom layer: weights from add_weight, call written with ops."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                 initializer="glorot_uniform")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros")

    def call(self, inputs):
        return ops.add(ops.matmul(inputs, self.w), self.b)


class ActivityRegularization(layers.Layer):
    """add_loss in call: an activity penalty on each forward pass."""

    def __init__(self, rate=1e-2, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate

    def call(self, inputs):
        self.add_loss(ops.multiply(self.rate, ops.mean(ops.square(inputs))))
        return inputs


class MLP(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = Linear(8)
        self.reg = ActivityRegularization()
        self.out = Linear(3)

    def call(self, inputs):
        return self.out(self.reg(ops.relu(self.hidden(inputs))))


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
    x, y = _data()
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

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None
        assert _replayed(fn)
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
    x, y = _data(n=64)

    def program(run_eagerly):
        keras.utils.set_random_seed(2)
        model = CustomSteps()
        model.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=run_eagerly)
        h = model.fit(x, y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                      validation_data=(x[:32], y[:32]))
        return {"model": model, "history": h.history,
                "eval": model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True),
                "pred": [model.predict(x, batch_size=16, verbose=0)]}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    np.testing.assert_allclose(compiled["pred"][0].sum(axis=1), 1.0, rtol=1e-5)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None and _replayed(fn)
    # Python ran a warm-up and two recordings per signature; the rest were replays.
    # test_step has two signatures (validation batches of 8, evaluate's of 16), and each
    # validation pass after the first records once more (evaluate's recheck).
    assert eager["model"].python_calls == {"train": 24, "test": 3 * 4 + 4, "predict": 4}
    assert model.python_calls == {"train": 3, "test": 3 + 2 + 3, "predict": 3}


# -------------------------------------------- BatchNorm, Dropout, schedules, LR callbacks
def _bn_dropout_model():
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(16)(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.Activation("relu")(h)
    h = layers.Dropout(0.3, seed=3)(h)
    return keras.Model(inputs, layers.Dense(3)(h))


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
    x, y = _data()
    make_opt, make_callbacks = LR_SETUPS[setup]

    def program(run_eagerly):
        keras.utils.set_random_seed(1)
        model = _bn_dropout_model()
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

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert compiled["model"].train_function.fallback_reason is None
    assert _replayed(compiled["model"].train_function)
    if setup == "lr-callbacks":
        # The rate each epoch ran with: the scheduler halves it from epoch 1 on, the
        # plateau callback cuts it after every epoch but the first (an improvement on inf).
        np.testing.assert_allclose(compiled["history"]["learning_rate"],
                                   [0.1, 0.05, 0.0125, 0.003125], rtol=1e-6)
        np.testing.assert_allclose(compiled["extra"][1], 0.0015625, rtol=1e-6)
    if setup == "callable-lr":
        np.testing.assert_allclose(compiled["extra"][1], 0.02 / 16, rtol=1e-6)


def test_weights_keep_keras_order_after_fit_and_new_layers(eager_loop):
    # fit caches the trainable weights on the model; the cache must not be taken for the
    # model's own weights when the layer tree is recomputed (a new layer elsewhere bumps
    # the cache generation): BatchNormalization's moving stats stay beside gamma / beta.
    x, y = _data(n=16)
    model = _bn_dropout_model()
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=8, verbose=0)
    before = [(w.name, w.shape) for w in model.weights]
    layers.Dense(2).build((None, 3))  # creates weights: every tree cache is recomputed
    after = [(w.name, w.shape) for w in model.weights]
    assert after == before
    assert [n for n, _ in after] == ["kernel", "bias", "gamma", "beta", "moving_mean",
                                     "moving_variance", "kernel", "bias"]
    values = model.get_weights()
    model.set_weights(values)
    for a, b in zip(values, model.get_weights()):
        np.testing.assert_array_equal(a, b)


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
    xa, y = _data(n=60)
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

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert {"cls_loss", "reg_loss", "val_reg_mae"} <= set(compiled["history"])
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None and _replayed(fn)


# ------------------------------------------- partial final batch, steps_per_execution > 1
def test_partial_batches_and_steps_per_execution():
    # 70 samples in batches of 16: four full batches and one of 6, a signature of its
    # own that is warmed up, recorded and replayed over the epochs like the others.
    x, y = _data(n=70)

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

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    # steps_per_execution=3: batch hooks at the ends of steps 2 and 4 of each epoch.
    np.testing.assert_array_equal(compiled["pred"][-1][:, 0], [2, 4] * 5)
    model = compiled["model"]
    for fn in (model.train_function, model.test_function, model.predict_function):
        assert fn.fallback_reason is None
        # Both the full and the partial batch signature replayed.
        assert len(fn._entries) == 2
        assert all(e.recording is not None for e in fn._entries.values())
    assert eager["pred"][0].shape == (70, 3)


# ------------------------------------------------------------------- GAN-style step
class GAN(keras.Model):
    """'Customizing what happens in fit()': two optimizers, noise from a SeedGenerator."""

    def __init__(self, latent_dim=3, **kwargs):
        super().__init__(**kwargs)
        self.latent_dim = latent_dim
        self.discriminator = keras.Sequential(
            [keras.Input(shape=(4,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
        self.generator = keras.Sequential(
            [keras.Input(shape=(latent_dim,)), layers.Dense(8, activation="relu"),
             layers.Dense(4)])
        self.seed_generator = keras.random.SeedGenerator(1337)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        super().compile(**kwargs)
        self.d_optimizer, self.g_optimizer = d_optimizer, g_optimizer
        self.loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def call(self, z):
        return self.generator(z)

    def _noise(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def train_step(self, real):
        if isinstance(real, tuple):
            real = real[0]
        n = ops.shape(real)[0]
        fake = self.generator(self._noise(n))
        images = ops.concatenate([fake, real], axis=0)
        labels = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
        with keras.GradientTape() as tape:
            d_loss = self.loss_fn(labels, self.discriminator(images))
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        z = self._noise(n)
        with keras.GradientTape() as tape:
            g_loss = self.loss_fn(ops.zeros((n, 1)), self.discriminator(self.generator(z)))
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}


def test_gan_two_optimizers_with_python_seed_generator_runs_eagerly():
    real = np.random.default_rng(8).standard_normal((48, 4)).astype("float32") + 1.0

    def program(run_eagerly):
        keras.utils.set_random_seed(8)
        gan = GAN()
        gan.compile(d_optimizer=keras.optimizers.Adam(0.01),
                    g_optimizer=keras.optimizers.Adam(0.02), run_eagerly=run_eagerly)
        h = gan.fit(real, batch_size=8, epochs=2, verbose=0, shuffle=False)
        return {"model": gan, "history": h.history,
                "extra": [gan.d_optimizer.iterations.numpy(),
                          gan.g_optimizer.iterations.numpy()]}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert int(compiled["extra"][0]) == int(compiled["extra"][1]) == 12
    # The SeedGenerator's state lives in Python: each call draws with a new seed value,
    # so the two recordings differ and the step runs eagerly (never a replay of old noise).
    reason = compiled["model"].train_function.fallback_reason
    assert reason is not None and "different ops" in reason
    assert not _replayed(compiled["model"].train_function)


def test_metric_read_in_python_runs_eagerly_with_the_reason():
    # AUC's result is computed with NumPy: the compiled step cannot replay it.
    x, y = _data(n=48, k=2)

    def program(run_eagerly):
        keras.utils.set_random_seed(9)
        model = MLP()
        model.compile(optimizer="adam",
                      loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.AUC(name="auc", from_logits=True)], run_eagerly=run_eagerly)
        h = model.fit(x, (y[:, None] == np.arange(3)).astype("float32"), batch_size=8,
                      epochs=2, verbose=0, shuffle=False)
        return {"model": model, "history": h.history}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    reason = compiled["model"].train_function.fallback_reason
    assert reason is not None and "Python" in reason


# ------------------------------------------- 'Writing a training loop from scratch'
def test_training_loop_from_scratch_with_decorated_steps():
    x, y = _data(n=64)
    xv, yv = _data(n=24, seed=1)

    def program(run_eagerly):
        keras.utils.set_random_seed(10)
        model = MLP()
        optimizer = keras.optimizers.Adam(learning_rate=1e-2)
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        train_acc = keras.metrics.SparseCategoricalAccuracy()
        val_acc = keras.metrics.SparseCategoricalAccuracy()

        def train_step(xb, yb):
            with keras.GradientTape() as tape:
                logits = model(xb, training=True)
                loss = loss_fn(yb, logits) + sum(model.losses)
            grads = tape.gradient(loss, model.trainable_weights)
            optimizer.apply(grads, model.trainable_weights)
            train_acc.update_state(yb, logits)
            return loss

        def test_step(xb, yb):
            val_acc.update_state(yb, model(xb, training=False))

        if not run_eagerly:
            train_step, test_step = keras.function(train_step), keras.function(test_step)
        history = {"loss": [], "acc": [], "val_acc": []}
        for _ in range(3):
            for i in range(0, len(x), 16):
                loss = train_step(x[i:i + 16], y[i:i + 16])
                history["loss"].append(float(loss))
            history["acc"].append(float(train_acc.result()))
            train_acc.reset_state()
            for i in range(0, len(xv), 8):
                test_step(xv[i:i + 8], yv[i:i + 8])
            history["val_acc"].append(float(val_acc.result()))
            val_acc.reset_state()
        model.compile(run_eagerly=True)  # only so _assert_same sees an eager model
        return {"model": model, "history": history,
                "extra": [optimizer.iterations.numpy()], "steps": (train_step, test_step)}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert int(compiled["extra"][0]) == 12
    for fn in compiled["steps"]:
        assert fn.fallback_reason is None and _replayed(fn)


def test_embedding_model_runs_eagerly_because_indices_are_checked_in_numpy(eager_loop):
    # Embedding checks its indices' range with NumPy (a clear error naming the layer),
    # so its compiled step cannot replay; it runs eagerly and gives the same numbers.
    rng = np.random.default_rng(11)
    tokens = rng.integers(0, 20, (40, 7)).astype("int32")
    y = rng.integers(0, 3, 40)

    def program(run_eagerly):
        keras.utils.set_random_seed(11)
        inputs = keras.Input((7,), dtype="int32")
        h = layers.GlobalAveragePooling1D()(layers.Embedding(20, 5)(inputs))
        model = keras.Model(inputs, layers.Dense(3)(h))
        model.compile(optimizer="adam",
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      run_eagerly=run_eagerly)
        h = model.fit(tokens, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        return {"model": model, "history": h.history,
                "pred": [model.predict(tokens, batch_size=8, verbose=0)]}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    reason = compiled["model"].train_function.fallback_reason
    assert reason is not None and "exported to NumPy" in reason


def test_weights_set_or_loaded_between_fits_are_used_by_the_replay(tmp_path):
    # set_weights / load_weights / EarlyStopping's restore write the variables in place,
    # so the recorded step (which reads their buffers) sees the new values.
    x, y = _data(n=48)

    def program(run_eagerly):
        keras.utils.set_random_seed(13)
        model = MLP()
        model.compile(optimizer=keras.optimizers.Adam(0.02),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      run_eagerly=run_eagerly)
        model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        start = model.get_weights()
        path = str(tmp_path / f"w{int(run_eagerly)}.weights.h5")
        model.save_weights(path)
        h1 = model.fit(x, y, batch_size=8, epochs=2, verbose=0, shuffle=False)
        model.set_weights([np.zeros_like(w) for w in start])
        h2 = model.fit(x, y, batch_size=8, epochs=1, verbose=0, shuffle=False)
        model.load_weights(path)
        stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0,
                                             restore_best_weights=True)
        h3 = model.fit(x, y, batch_size=8, epochs=4, verbose=0, shuffle=False,
                       callbacks=[stop])
        history = {"a": h1.history["loss"], "b": h2.history["loss"], "c": h3.history["loss"]}
        return {"model": model, "history": history,
                "eval": model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert len(compiled["history"]["c"]) == 2  # stopped, best (first) epoch restored
    assert compiled["model"].train_function.fallback_reason is None
    assert _replayed(compiled["model"].train_function)


class RunningMean(layers.Layer):
    """State updated with assign in call (training only), reported with add_metric."""

    def build(self, input_shape):
        self.mean = self.add_weight(shape=(input_shape[-1],), initializer="zeros",
                                    trainable=False)
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False)

    def call(self, inputs, training=False):
        if training:
            self.count.assign_add(1.0)
            self.mean.assign_add(ops.divide(
                ops.subtract(ops.mean(inputs, axis=0), self.mean), self.count))
        self.add_metric(ops.mean(self.mean), name="running")
        return ops.subtract(inputs, self.mean)


def test_layer_state_assigned_in_call_add_metric_regularizers_weighted_metrics():
    x, y = _data(n=56)
    sw = np.linspace(0.0, 1.0, 56).astype("float32")

    def program(run_eagerly):
        keras.utils.set_random_seed(3)
        inputs = keras.Input((6,))
        h = RunningMean()(inputs)
        h = layers.Dense(8, activation="relu", kernel_regularizer="l1")(h)
        h = ActivityRegularization(0.1)(h)
        model = keras.Model(inputs, layers.Dense(3)(h))
        model.compile(optimizer="adam",
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"], weighted_metrics=["accuracy"],
                      run_eagerly=run_eagerly)
        h = model.fit(x, y, sample_weight=sw, batch_size=8, epochs=3, verbose=0,
                      validation_data=(x, y, sw))
        return {"model": model, "history": h.history,
                "eval": model.evaluate(x, y, verbose=0, return_dict=True),
                "pred": [model.predict(x, verbose=0)]}

    eager, compiled = _twice(program)
    _assert_same(eager, compiled)
    assert {"running", "weighted_accuracy", "val_running"} <= set(compiled["history"])
    # The layer's count advanced once per training step, replays included.
    assert float(compiled["model"].layers[1].count.numpy()) == 21
    for fn in (compiled["model"].train_function, compiled["model"].test_function):
        assert fn.fallback_reason is None and _replayed(fn)
