"""Compiled step functions and state around the steps: weights set or loaded between
fits, layer state assigned in call, weight order, hand-written loops, and the
programs that run eagerly (with the reason) because Python decides what they do."""

import numpy as np

import pyfastfit as keras
from pyfastfit import layers, ops

from tests.integration._compiled import (  # noqa: F401 (eager_loop: a fixture)
    MLP, ActivityRegularization, assert_same, bn_dropout_model, eager_loop, make_data,
    replayed, twice)


def test_weights_keep_keras_order_after_fit_and_new_layers(eager_loop):
    # fit caches the trainable weights on the model; the cache must not be taken for the
    # model's own weights when the layer tree is recomputed (a new layer elsewhere bumps
    # the cache generation): BatchNormalization's moving stats stay beside gamma / beta.
    x, y = make_data(n=16)
    model = bn_dropout_model()
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


def test_gan_two_optimizers_with_seed_generator_replays():
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

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert int(compiled["extra"][0]) == int(compiled["extra"][1]) == 12
    # The SeedGenerator's state is a tensor the draws advance in C++: the compiled step
    # replays (new latent vectors on every replay, the same ones as the eager run).
    fn = compiled["model"].train_function
    assert fn.fallback_reason is None and replayed(fn)
    for run in (eager, compiled):  # two draws per step, 12 steps
        assert run["model"].seed_generator.state.numpy().tolist() == [1337, 24]


def test_metric_read_in_python_runs_eagerly_with_the_reason():
    # AUC's result is computed with NumPy: the compiled step cannot replay it.
    x, y = make_data(n=48, k=2)

    def program(run_eagerly):
        keras.utils.set_random_seed(9)
        model = MLP()
        model.compile(optimizer="adam",
                      loss=keras.losses.CategoricalCrossentropy(from_logits=True),
                      metrics=[keras.metrics.AUC(name="auc", from_logits=True)], run_eagerly=run_eagerly)
        h = model.fit(x, (y[:, None] == np.arange(3)).astype("float32"), batch_size=8,
                      epochs=2, verbose=0, shuffle=False)
        return {"model": model, "history": h.history}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    reason = compiled["model"].train_function.fallback_reason
    assert reason is not None and "Python" in reason


# ------------------------------------------- 'Writing a training loop from scratch'
def test_training_loop_from_scratch_with_decorated_steps():
    x, y = make_data(n=64)
    xv, yv = make_data(n=24, seed=1)

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
        model.compile(run_eagerly=True)  # only so assert_same sees an eager model
        return {"model": model, "history": history,
                "extra": [optimizer.iterations.numpy()], "steps": (train_step, test_step)}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert int(compiled["extra"][0]) == 12
    for fn in compiled["steps"]:
        assert fn.fallback_reason is None and replayed(fn)


def test_embedding_model_replays(eager_loop):
    # Embedding checks the range of integer tensor indices in C++ (not with NumPy), so
    # the compiled step replays, and checks them again on every replay.
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

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    for fn in (compiled["model"].train_function, compiled["model"].predict_function):
        assert fn.fallback_reason is None and replayed(fn)


def test_weights_set_or_loaded_between_fits_are_used_by_the_replay(tmp_path):
    # set_weights / load_weights / EarlyStopping's restore write the variables in place,
    # so the recorded step (which reads their buffers) sees the new values.
    x, y = make_data(n=48)

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

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert len(compiled["history"]["c"]) == 2  # stopped, best (first) epoch restored
    assert compiled["model"].train_function.fallback_reason is None
    assert replayed(compiled["model"].train_function)


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
    x, y = make_data(n=56)
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

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert {"running", "weighted_accuracy", "val_running"} <= set(compiled["history"])
    # The layer's count advanced once per training step, replays included.
    assert float(compiled["model"].layers[1].count.numpy()) == 21
    for fn in (compiled["model"].train_function, compiled["model"].test_function):
        assert fn.fallback_reason is None and replayed(fn)
