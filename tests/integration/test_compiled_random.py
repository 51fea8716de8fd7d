"""keras.io guides whose compiled steps draw from a SeedGenerator: the VAE's `Sampling`
layer under `fit`, and a GAN written with `pyfastfit.function` steps and two optimizers.
The draws advance the generator's state tensor in C++, so the steps replay, and give the
values of the eager run with the same seeds."""

import numpy as np

import pyfastfit as keras
from pyfastfit import layers, ops

from tests.integration._compiled import assert_same, replayed, twice


class Sampling(layers.Layer):
    """The VAE guide's layer: z = z_mean + exp(z_log_var / 2) * epsilon."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = keras.random.SeedGenerator(1337)

    def call(self, inputs):
        z_mean, z_log_var = inputs
        batch, dim = ops.shape(z_mean)[0], ops.shape(z_mean)[1]
        epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
        return z_mean + ops.exp(0.5 * z_log_var) * epsilon


class VAE(keras.Model):
    """The guide's model: encoder, Sampling, decoder; train_step with a GradientTape."""

    def __init__(self, latent_dim=2, **kwargs):
        super().__init__(**kwargs)
        inputs = keras.Input(shape=(8,))
        h = layers.Dense(16, activation="relu")(inputs)
        z_mean, z_log_var = layers.Dense(latent_dim)(h), layers.Dense(latent_dim)(h)
        z = Sampling()([z_mean, z_log_var])
        self.encoder = keras.Model(inputs, [z_mean, z_log_var, z])
        latent = keras.Input(shape=(latent_dim,))
        h = layers.Dense(16, activation="relu")(latent)
        out = layers.Dense(8, activation="sigmoid")(h)
        self.decoder = keras.Model(latent, out)
        self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
        self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

    @property
    def metrics(self):
        return [self.total_loss_tracker, self.kl_loss_tracker]

    def call(self, x):
        return self.decoder(self.encoder(x)[2])

    def train_step(self, data):
        if isinstance(data, tuple):
            data = data[0]
        with keras.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(data)
            reconstruction = self.decoder(z)
            rec_loss = ops.mean(ops.sum(ops.square(data - reconstruction), axis=1))
            kl = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
            kl_loss = ops.mean(ops.sum(kl, axis=1))
            total = rec_loss + kl_loss
        grads = tape.gradient(total, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.total_loss_tracker.update_state(total)
        self.kl_loss_tracker.update_state(kl_loss)
        return {m.name: m.result() for m in self.metrics}


def _sampler(model):
    return next(l for l in model.encoder.layers if isinstance(l, Sampling))


def test_vae_sampling_layer_replays_under_fit():
    data = np.random.default_rng(1).uniform(size=(64, 8)).astype("float32")

    def program(run_eagerly):
        keras.utils.set_random_seed(1)
        vae = VAE()
        vae.compile(optimizer=keras.optimizers.Adam(0.01), run_eagerly=run_eagerly)
        h = vae.fit(data, batch_size=16, epochs=3, verbose=0, shuffle=False)
        return {"model": vae, "history": h.history}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    fn = compiled["model"].train_function
    assert fn.fallback_reason is None and replayed(fn)
    for run in (eager, compiled):  # one draw per step, 12 steps
        assert _sampler(run["model"]).seed_generator.state.numpy().tolist() == [1337, 12]
    # The generator's state is not a weight (as Keras, it is not in `weights`).
    assert len(compiled["model"].weights) == len(compiled["model"].trainable_weights)


def test_gan_loop_with_compiled_steps_and_two_optimizers():
    real = np.random.default_rng(2).standard_normal((64, 4)).astype("float32") + 2.0

    def program(run_eagerly):
        keras.utils.set_random_seed(2)
        latent_dim = 3
        disc = keras.Sequential([keras.Input((4,)), layers.Dense(8, activation="relu"),
                                 layers.Dense(1)])
        gen = keras.Sequential([keras.Input((latent_dim,)), layers.Dense(8, activation="relu"),
                                layers.Dense(4)])
        d_opt, g_opt = keras.optimizers.Adam(0.01), keras.optimizers.Adam(0.02)
        loss_fn = keras.losses.BinaryCrossentropy(from_logits=True)
        seeds = keras.random.SeedGenerator(7)

        def d_step(x):
            n = ops.shape(x)[0]
            z = keras.random.normal((n, latent_dim), seed=seeds)
            images = ops.concatenate([gen(z), x], axis=0)
            labels = ops.concatenate([ops.ones((n, 1)), ops.zeros((n, 1))], axis=0)
            # Label noise, as the DCGAN guide: a uniform draw from the same generator.
            labels = labels + 0.05 * keras.random.uniform(ops.shape(labels), seed=seeds)
            with keras.GradientTape() as tape:
                loss = loss_fn(labels, disc(images))
            grads = tape.gradient(loss, disc.trainable_weights)
            d_opt.apply_gradients(zip(grads, disc.trainable_weights))
            return loss

        def g_step(x):
            z = keras.random.normal((ops.shape(x)[0], latent_dim), seed=seeds)
            with keras.GradientTape() as tape:
                loss = loss_fn(ops.zeros((ops.shape(x)[0], 1)), disc(gen(z)))
            grads = tape.gradient(loss, gen.trainable_weights)
            g_opt.apply_gradients(zip(grads, gen.trainable_weights))
            return loss

        if not run_eagerly:
            d_step, g_step = keras.function(d_step), keras.function(g_step)
        history = {"d": [], "g": []}
        for _ in range(3):
            for i in range(0, len(real), 16):
                history["d"].append(float(d_step(real[i:i + 16])))
                history["g"].append(float(g_step(real[i:i + 16])))
        model = keras.Sequential([gen, disc])
        model.compile(run_eagerly=True)  # only so assert_same sees an eager model
        return {"model": model, "history": history, "steps": (d_step, g_step),
                "extra": [seeds.state.numpy(), d_opt.iterations.numpy(),
                          g_opt.iterations.numpy()]}

    eager, compiled = twice(program)
    assert_same(eager, compiled)
    assert compiled["extra"][0].tolist() == [7, 36]  # 3 draws per batch pair, 12 pairs
    for fn in compiled["steps"]:
        assert fn.fallback_reason is None and replayed(fn)
