"""Small-data versions of keras.io examples and guides (convolution, normalization and
embedding layers), written so that the same code builds the model with Keras 3 and with
pyfastfit: every builder takes the `keras` module as its argument.

`make_guide_fixtures.py` runs them with Keras 3 (TensorFlow backend) and records the
reference values; `test_keras_guides.py` runs them with pyfastfit and compares.

Each builder is `build(keras, drop=1.0, noise=1.0) -> Case`. `drop` scales the dropout
rates and `noise` the VAE's sampling noise: the comparison against Keras runs with both at
0, so that training is deterministic in both libraries (their random streams differ); the
example runs keep the guides' values.

Sizes are cut down (fewer filters, smaller images) so each case runs in well under a
second; the layer stacks, arguments and compile settings are the guides'.
"""

import numpy as np


def f32(a):
    return np.asarray(a, dtype=np.float32)


class Case:
    """A model with its compile arguments and a small seeded data set."""

    def __init__(self, model, compile_kwargs, x, y, batch_size=16, fit_kwargs=None,
                 eval_x=None):
        self.model = model
        self.compile_kwargs = compile_kwargs
        self.x = x
        self.y = y
        self.batch_size = batch_size
        self.fit_kwargs = fit_kwargs or {}
        # The forward comparison input (defaults to the first 8 training inputs).
        if eval_x is None:
            eval_x = ({k: v[:8] for k, v in x.items()} if isinstance(x, dict) else x[:8])
        self.eval_x = eval_x


# ---------------------------------------------------------------- Simple MNIST convnet
def mnist_convnet(keras, drop=1.0, noise=1.0, n=48, seed=0):
    """keras.io/examples/vision/mnist_convnet: Conv2D/MaxPooling2D x2, Flatten, Dropout,
    softmax; categorical cross-entropy on one-hot labels, Adam, validation_split=0.1."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(8, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5 * drop),
        layers.Dense(10, activation="softmax"),
    ])
    rng = np.random.default_rng(seed)
    x = f32(rng.uniform(0, 1, (n, 28, 28, 1)))
    y = keras.utils.to_categorical(rng.integers(0, 10, n), 10)
    return Case(model, dict(loss="categorical_crossentropy", optimizer="adam",
                            metrics=["accuracy"]),
                x, f32(y), batch_size=16, fit_kwargs=dict(validation_split=0.1))


# ------------------------------------------------ Timeseries classification from scratch
def timeseries_fcn(keras, drop=1.0, noise=1.0, n=40, steps=50, seed=1):
    """keras.io/examples/timeseries/timeseries_classification_from_scratch: three
    Conv1D(padding="same") + BatchNormalization + ReLU blocks, GlobalAveragePooling1D,
    softmax; sparse categorical cross-entropy."""
    layers = keras.layers
    input_layer = keras.layers.Input((steps, 1))

    conv1 = layers.Conv1D(filters=16, kernel_size=3, padding="same")(input_layer)
    conv1 = layers.BatchNormalization()(conv1)
    conv1 = layers.ReLU()(conv1)

    conv2 = layers.Conv1D(filters=16, kernel_size=3, padding="same")(conv1)
    conv2 = layers.BatchNormalization()(conv2)
    conv2 = layers.ReLU()(conv2)

    conv3 = layers.Conv1D(filters=16, kernel_size=3, padding="same")(conv2)
    conv3 = layers.BatchNormalization()(conv3)
    conv3 = layers.ReLU()(conv3)

    gap = layers.GlobalAveragePooling1D()(conv3)
    output_layer = layers.Dense(2, activation="softmax")(gap)
    model = keras.models.Model(inputs=input_layer, outputs=output_layer)

    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    t = np.linspace(0, 6, steps)
    x = np.sin(t[None, :] * (1 + y[:, None])) + 0.3 * rng.normal(size=(n, steps))
    return Case(model, dict(optimizer="adam", loss="sparse_categorical_crossentropy",
                            metrics=["sparse_categorical_accuracy"]),
                f32(x[..., None]), y.astype(np.int64), batch_size=8,
                fit_kwargs=dict(validation_split=0.2))


def timeseries_callbacks(keras, path):
    """The guide's callbacks (patiences cut down to the few epochs run here)."""
    return [
        keras.callbacks.ModelCheckpoint(path, save_best_only=True, monitor="val_loss"),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=2,
                                          min_lr=0.0001),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=5, verbose=0),
    ]


# --------------------------------------------------------- Text classification from scratch
def text_cnn(keras, drop=1.0, noise=1.0, n=48, length=40, seed=2):
    """keras.io/examples/nlp/text_classification_from_scratch (the model): Embedding,
    Dropout, two Conv1D(strides=3), GlobalMaxPooling1D, Dense, sigmoid output."""
    layers = keras.layers
    max_features, embedding_dim = 50, 16
    inputs = keras.Input(shape=(None,), dtype="int64")
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5 * drop)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(16, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)
    x = layers.Dense(16, activation="relu")(x)
    x = layers.Dropout(0.5 * drop)(x)
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)
    model = keras.Model(inputs, predictions)

    rng = np.random.default_rng(seed)
    x = rng.integers(1, max_features, (n, length))
    # Label: whether token 7 occurs in the sequence.
    x[: n // 2, rng.integers(0, length, n // 2)] = 7
    y = (x == 7).any(axis=1)
    return Case(model, dict(loss="binary_crossentropy", optimizer="adam",
                            metrics=["accuracy"]),
                x.astype(np.int64), f32(y), batch_size=16)


# ---------------------------------------------------------------- Variational AutoEncoder
def vae(keras, drop=1.0, noise=1.0, n=32, latent_dim=2, seed=3, tape=None):
    """keras.io/examples/generative/vae: Conv2D(strides=2, padding="same") encoder, a
    custom Sampling layer, Conv2DTranspose decoder, and a subclassed VAE whose train_step
    uses a GradientTape and `keras.metrics.Mean` trackers. `tape` is the GradientTape
    class (`tf.GradientTape` in the guide; `keras.GradientTape` in pyfastfit)."""
    layers, ops = keras.layers, keras.ops
    tape = tape or keras.GradientTape

    class Sampling(layers.Layer):
        """Uses (z_mean, z_log_var) to sample z, the vector encoding a digit."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(1337)

        def call(self, inputs):
            z_mean, z_log_var = inputs
            batch = ops.shape(z_mean)[0]
            dim = ops.shape(z_mean)[1]
            epsilon = keras.random.normal(shape=(batch, dim), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon * noise

    encoder_inputs = keras.Input(shape=(28, 28, 1))
    x = layers.Conv2D(8, 3, activation="relu", strides=2, padding="same")(encoder_inputs)
    x = layers.Conv2D(16, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="relu")(x)
    z_mean = layers.Dense(latent_dim, name="z_mean")(x)
    z_log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    z = Sampling()([z_mean, z_log_var])
    encoder = keras.Model(encoder_inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = keras.Input(shape=(latent_dim,))
    x = layers.Dense(7 * 7 * 16, activation="relu")(latent_inputs)
    x = layers.Reshape((7, 7, 16))(x)
    x = layers.Conv2DTranspose(16, 3, activation="relu", strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(8, 3, activation="relu", strides=2, padding="same")(x)
    decoder_outputs = layers.Conv2DTranspose(1, 3, activation="sigmoid", padding="same")(x)
    decoder = keras.Model(latent_inputs, decoder_outputs, name="decoder")

    class VAE(keras.Model):
        def __init__(self, encoder, decoder, **kwargs):
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.total_loss_tracker = keras.metrics.Mean(name="total_loss")
            self.reconstruction_loss_tracker = keras.metrics.Mean(
                name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        @property
        def metrics(self):
            return [self.total_loss_tracker, self.reconstruction_loss_tracker,
                    self.kl_loss_tracker]

        def train_step(self, data):
            with tape() as t:
                z_mean, z_log_var, z = self.encoder(data)
                reconstruction = self.decoder(z)
                reconstruction_loss = ops.mean(ops.sum(
                    keras.losses.binary_crossentropy(data, reconstruction), axis=(1, 2)))
                kl_loss = -0.5 * (1 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var))
                kl_loss = ops.mean(ops.sum(kl_loss, axis=1))
                total_loss = reconstruction_loss + kl_loss
            grads = t.gradient(total_loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            self.total_loss_tracker.update_state(total_loss)
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return {
                "loss": self.total_loss_tracker.result(),
                "reconstruction_loss": self.reconstruction_loss_tracker.result(),
                "kl_loss": self.kl_loss_tracker.result(),
            }

    model = VAE(encoder, decoder)
    rng = np.random.default_rng(seed)
    x = f32(rng.uniform(0, 1, (n, 28, 28, 1)))
    return Case(model, dict(optimizer=keras.optimizers.Adam()), x, None, batch_size=16)


# ------------------------------------------------ Image classification from scratch (small)
def xception_small(keras, drop=1.0, noise=1.0, n=16, seed=4):
    """keras.io/examples/vision/image_classification_from_scratch `make_model`, smaller:
    Rescaling, strided Conv2D, SeparableConv2D + BatchNormalization residual blocks joined
    with layers.add, GlobalAveragePooling2D, Dropout, a logit; BinaryCrossentropy
    (from_logits=True) with BinaryAccuracy(name="acc")."""
    layers = keras.layers
    inputs = keras.Input(shape=(16, 16, 3))
    x = layers.Rescaling(1.0 / 255)(inputs)
    x = layers.Conv2D(8, 3, strides=2, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    previous_block_activation = x
    for size in [8, 16]:
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
        x = layers.SeparableConv2D(size, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        residual = layers.Conv2D(size, 1, strides=2, padding="same")(
            previous_block_activation)
        x = layers.add([x, residual])
        previous_block_activation = x
    x = layers.SeparableConv2D(24, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.25 * drop)(x)
    outputs = layers.Dense(1, activation=None)(x)
    model = keras.Model(inputs, outputs)

    rng = np.random.default_rng(seed)
    x = f32(rng.uniform(0, 255, (n, 16, 16, 3)))
    y = f32(rng.integers(0, 2, (n, 1)))
    return Case(model, dict(optimizer=keras.optimizers.Adam(3e-4),
                            loss=keras.losses.BinaryCrossentropy(from_logits=True),
                            metrics=[keras.metrics.BinaryAccuracy(name="acc")]),
                x, y, batch_size=8)


# ------------------------------------------------------ The Functional API: ticket model
def ticket_model(keras, drop=1.0, noise=1.0, n=32, seed=5):
    """The Functional API guide's multi-input, multi-output model (title, body, tags ->
    priority, department). The guide's LSTM(128)/LSTM(32) encoders are replaced by
    GlobalAveragePooling1D (recurrent layers are outside this scope)."""
    layers = keras.layers
    num_tags, num_words, num_departments = 12, 100, 4
    title_input = keras.Input(shape=(None,), name="title")
    body_input = keras.Input(shape=(None,), name="body")
    tags_input = keras.Input(shape=(num_tags,), name="tags")
    title_features = layers.Embedding(num_words, 16)(title_input)
    body_features = layers.Embedding(num_words, 16)(body_input)
    title_features = layers.GlobalAveragePooling1D()(title_features)
    body_features = layers.GlobalAveragePooling1D()(body_features)
    x = layers.concatenate([title_features, body_features, tags_input])
    priority_pred = layers.Dense(1, name="priority")(x)
    department_pred = layers.Dense(num_departments, name="department")(x)
    model = keras.Model(inputs=[title_input, body_input, tags_input],
                        outputs={"priority": priority_pred, "department": department_pred})

    rng = np.random.default_rng(seed)
    title_data = rng.integers(0, num_words, size=(n, 10))
    body_data = rng.integers(0, num_words, size=(n, 30))
    tags_data = f32(rng.integers(0, 2, size=(n, num_tags)))
    priority_targets = f32(rng.random(size=(n, 1)))
    dept_targets = f32(keras.utils.to_categorical(rng.integers(0, num_departments, n),
                                                  num_departments))
    return Case(
        model,
        dict(optimizer=keras.optimizers.RMSprop(1e-3),
             loss={"priority": keras.losses.BinaryCrossentropy(from_logits=True),
                   "department": keras.losses.CategoricalCrossentropy(from_logits=True)},
             loss_weights={"priority": 1.0, "department": 0.2}),
        {"title": title_data, "body": body_data, "tags": tags_data},
        {"priority": priority_targets, "department": dept_targets}, batch_size=8)


# ------------------------------------------------- Deep Learning with Python, ch. 8 convnet
def dlwp_convnet(keras, drop=1.0, noise=1.0, n=32, seed=6, data_format="channels_last"):
    """DLwP 2nd ed. ch. 8 (listing 8.1): three Conv2D with two MaxPooling2D, Flatten,
    softmax; rmsprop + sparse categorical cross-entropy. `data_format` is passed to every
    layer that takes one (the channels_first variant reads (1, 28, 28) images)."""
    layers = keras.layers
    shape = (28, 28, 1) if data_format == "channels_last" else (1, 28, 28)
    inputs = keras.Input(shape=shape)
    x = layers.Conv2D(filters=8, kernel_size=3, activation="relu",
                      data_format=data_format)(inputs)
    x = layers.MaxPooling2D(pool_size=2, data_format=data_format)(x)
    x = layers.Conv2D(filters=16, kernel_size=3, activation="relu",
                      data_format=data_format)(x)
    x = layers.MaxPooling2D(pool_size=2, data_format=data_format)(x)
    x = layers.Conv2D(filters=16, kernel_size=3, activation="relu",
                      data_format=data_format)(x)
    x = layers.Flatten(data_format=data_format)(x)
    outputs = layers.Dense(10, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)

    rng = np.random.default_rng(seed)
    x = f32(rng.uniform(0, 1, (n,) + shape))
    y = rng.integers(0, 10, n).astype(np.int64)
    return Case(model, dict(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                            metrics=["accuracy"]), x, y, batch_size=16)


def dlwp_convnet_channels_first(keras, drop=1.0, noise=1.0):
    return dlwp_convnet(keras, drop, noise, data_format="channels_first")


# ------------------------------------------------------- resize, pad and crop layers
def resize_pad_crop(keras, drop=1.0, noise=1.0, n=16, seed=7):
    """UpSampling2D(interpolation="bilinear"), ZeroPadding2D and Cropping2D with
    asymmetric amounts, between two convolutions."""
    layers = keras.layers
    inputs = keras.Input(shape=(5, 6, 3))
    x = layers.Conv2D(4, 3, padding="same", activation="tanh")(inputs)
    x = layers.UpSampling2D(size=(2, 3), interpolation="bilinear")(x)
    x = layers.ZeroPadding2D(padding=((1, 2), (0, 3)))(x)
    x = layers.Cropping2D(cropping=((2, 1), (3, 0)))(x)
    x = layers.Conv2D(3, 3, strides=2)(x)
    x = layers.UpSampling2D(size=2)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3)(x)
    model = keras.Model(inputs, outputs)

    rng = np.random.default_rng(seed)
    x = f32(rng.normal(size=(n, 5, 6, 3)))
    y = f32(rng.normal(size=(n, 3)))
    return Case(model, dict(optimizer=keras.optimizers.SGD(0.05), loss="mse"), x, y,
                batch_size=8)


# ------------------------------------------------------------ normalization variants
def norm_variants(keras, drop=1.0, noise=1.0, n=16, seed=8):
    """LayerNormalization over a non-trailing axis and over two axes, with
    rms_scaling=True, and BatchNormalization(axis=1) on a 4-D input."""
    layers = keras.layers
    inputs = keras.Input(shape=(4, 5, 3))
    x = layers.Conv2D(6, 3, padding="same")(inputs)
    x = layers.LayerNormalization(axis=1)(x)
    x = layers.LayerNormalization(axis=[1, 2])(x)
    x = layers.LayerNormalization(rms_scaling=True)(x)
    x = layers.BatchNormalization(axis=1)(x)
    x = layers.Conv2D(2, 1)(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Dense(2)(x)
    model = keras.Model(inputs, outputs)

    rng = np.random.default_rng(seed)
    x = f32(rng.normal(size=(n, 4, 5, 3)) * 2 + 0.5)
    y = f32(rng.normal(size=(n, 2)))
    return Case(model, dict(optimizer=keras.optimizers.Adam(0.01), loss="mse"), x, y,
                batch_size=8)


# ------------------------------------------------ Embedding(mask_zero=True) + averaging
def masked_average(keras, drop=1.0, noise=1.0, n=24, length=9, seed=9):
    """Embedding(mask_zero=True) then GlobalAveragePooling1D: the mask propagates, so the
    average runs over the non-padding steps only (as Keras does)."""
    layers = keras.layers
    inputs = keras.Input(shape=(length,), dtype="int32")
    x = layers.Embedding(20, 8, mask_zero=True)(inputs)
    x = layers.GlobalAveragePooling1D()(x)
    # (A positive bias keeps the first predictions clear of accuracy's 0.5 threshold,
    # where float32 round-off would decide the comparison.)
    outputs = layers.Dense(1, activation="sigmoid",
                           bias_initializer=keras.initializers.Constant(0.3))(x)
    model = keras.Model(inputs, outputs)

    rng = np.random.default_rng(seed)
    x = rng.integers(1, 20, (n, length))
    lengths = rng.integers(1, length + 1, n)
    x[np.arange(length)[None, :] >= lengths[:, None]] = 0  # right padding
    y = f32(rng.integers(0, 2, (n, 1)))
    return Case(model, dict(optimizer="adam", loss="binary_crossentropy",
                            metrics=["accuracy"]), x.astype(np.int32), y, batch_size=8)


CASES = {
    "mnist_convnet": mnist_convnet,
    "timeseries_fcn": timeseries_fcn,
    "text_cnn": text_cnn,
    "vae": vae,
    "xception_small": xception_small,
    "ticket_model": ticket_model,
    "dlwp_convnet": dlwp_convnet,
    "dlwp_convnet_channels_first": dlwp_convnet_channels_first,
    "resize_pad_crop": resize_pad_crop,
    "norm_variants": norm_variants,
    "masked_average": masked_average,
}

# The comparison's training run: this many epochs, batches in order.
PARITY_EPOCHS = 2


def summary_shapes(model):
    """The output-shape column of `model.summary()`: every `(None, ...)` tuple in the
    printed table, in order (read from the text, as a user reads it)."""
    import re

    lines = []
    model.summary(print_fn=lambda s, *a, **k: lines.append(s))
    return re.findall(r"\(None(?:, [0-9None]+)*,?\)", "\n".join(lines))
