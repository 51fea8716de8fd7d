"""W5 (custom training loop) and W6 (custom `train_step`) for the Keras-API
implementations, written as each framework's guide writes them.

- pyfastfit and Keras/TensorFlow share one source: the guide's GradientTape loop
  (`pyfastfit.GradientTape` / `tf.GradientTape`) and chapter 7's `CustomModel`.
- Keras on JAX has no GradientTape: its guides ("Writing a training loop from scratch in
  JAX", "Customizing what happens in fit() with JAX") compute the loss with
  `model.stateless_call`, differentiate it with `jax.value_and_grad`, and update with
  `optimizer.stateless_apply` (and `metric.stateless_update_state`), the loop's step under
  `jax.jit` (fit jit-compiles `train_step` itself).

Imported by keras_like.py (same directory).
"""

import os
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import harness  # noqa: E402


def make_dataset(keras, tf, x, y, bs):
    """The guide's `Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(bs)`: tf.data
    for Keras (both backends, as the JAX guide too), pyfastfit.data for pyfastfit."""
    if tf is not None:
        return (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(bs),
                f"tf.data.Dataset.from_tensor_slices.shuffle(1024).batch({bs})")
    return (keras.data.Dataset.from_tensor_slices((x, y)).shuffle(1024).batch(bs),
            f"pyfastfit.data.Dataset.from_tensor_slices.shuffle(1024).batch({bs})")


def run_custom_loop(keras, tf, model, w, data, epochs, tf_function):
    """W5 for pyfastfit and Keras/TensorFlow: the GradientTape loop (eager, or the step
    in `tf.function` with `tf_function`). `epochs` includes the warm-up epoch."""
    x, y, _, _ = data
    optimizer = keras.optimizers.SGD(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()  # as the guide's loop
    dataset, data_note = make_dataset(keras, tf, x, y, w["batch_size"])
    tape_cls = tf.GradientTape if tf is not None else keras.GradientTape

    def train_step(xb, yb):
        with tape_cls() as tape:
            logits = model(xb, training=True)
            loss_value = loss_fn(yb, logits)
        grads = tape.gradient(loss_value, model.trainable_weights)
        optimizer.apply_gradients(zip(grads, model.trainable_weights))
        train_acc_metric.update_state(yb, logits)
        return loss_value

    if tf_function:  # tf.function, or pyfastfit.function for pyfastfit
        train_step = tf.function(train_step) if tf is not None else keras.function(train_step)
    last = []

    def epoch():
        for xb, yb in dataset:
            loss_value = train_step(xb, yb)
        last[:] = [float(loss_value), float(train_acc_metric.result())]
        train_acc_metric.reset_state()

    times = harness.time_calls(epoch, epochs, warmup=0)
    warm, times = times[:1], times[1:]
    return dict(harness.summarize(times, warm), data=data_note, final_loss=last[0],
                final_accuracy=last[1])


def run_custom_loop_jax(keras, tf, model, w, data, epochs):
    """W5 for Keras on JAX, the JAX training-loop guide's way: a jitted `train_step(state,
    data)` over (trainable, non-trainable, optimizer, metric) variables, batches from
    tf.data converted with `.numpy()`. `epochs` includes the warm-up epoch (which also
    compiles the step for the last, smaller batch)."""
    import jax

    x, y, _, _ = data
    optimizer = keras.optimizers.SGD(learning_rate=1e-3)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    train_acc_metric = keras.metrics.SparseCategoricalAccuracy()
    dataset, data_note = make_dataset(keras, tf, x, y, w["batch_size"])

    def compute_loss_and_updates(trainable_variables, non_trainable_variables, x, y):
        y_pred, non_trainable_variables = model.stateless_call(
            trainable_variables, non_trainable_variables, x, training=True)
        loss = loss_fn(y, y_pred)
        return loss, (y_pred, non_trainable_variables)

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        (trainable_variables, non_trainable_variables, optimizer_variables,
         metric_variables) = state
        x, y = data
        (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
            trainable_variables, non_trainable_variables, x, y)
        trainable_variables, optimizer_variables = optimizer.stateless_apply(
            optimizer_variables, grads, trainable_variables)
        metric_variables = train_acc_metric.stateless_update_state(
            metric_variables, y, y_pred)
        return loss, (trainable_variables, non_trainable_variables, optimizer_variables,
                      metric_variables)

    optimizer.build(model.trainable_variables)
    # The guide passes the Variables themselves; JAX 0.10 no longer converts objects with
    # __jax_array__ at a jit boundary, so their values go in (the same arrays).
    state = [tuple([v.value for v in variables] for variables in (
        model.trainable_variables, model.non_trainable_variables, optimizer.variables,
        train_acc_metric.variables))]
    last = []

    def epoch():
        st = state[0]
        for xb, yb in dataset:
            loss, st = train_step(st, (xb.numpy(), yb.numpy()))
        metric_variables = st[3]
        # float() waits for JAX's asynchronous dispatch: the epoch is really over.
        last[:] = [float(loss), float(train_acc_metric.stateless_result(metric_variables))]
        state[0] = st[:3] + (train_acc_metric.stateless_reset_state(),)

    times = harness.time_calls(epoch, epochs, warmup=0)
    warm, times = times[:1], times[1:]
    # As the guide ends: write the final values back into the model's variables.
    trainable_variables, non_trainable_variables = state[0][:2]
    for variable, value in zip(model.trainable_variables, trainable_variables):
        variable.assign(value)
    for variable, value in zip(model.non_trainable_variables, non_trainable_variables):
        variable.assign(value)
    return dict(harness.summarize(times, warm), data=data_note + ", .numpy() per batch",
                final_loss=last[0], final_accuracy=last[1])


def tape_custom_model_class(keras, tape_cls):
    """W6 for pyfastfit and Keras/TensorFlow: chapter 7's CustomModel (`train_step` with
    a GradientTape, a `Mean` loss tracker returned by the `metrics` property, the loss
    function and the tracker created outside the class as the chapter does)."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    loss_tracker = keras.metrics.Mean(name="loss")

    class CustomModel(keras.Model):
        def train_step(self, data):
            inputs, targets = data
            with tape_cls() as tape:
                predictions = self(inputs, training=True)
                loss = loss_fn(targets, predictions)
            gradients = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(gradients, self.trainable_weights))
            loss_tracker.update_state(loss)
            return {"loss": loss_tracker.result()}

        @property
        def metrics(self):
            return [loss_tracker]

    return CustomModel


def jax_custom_model_class(keras):
    """W6 for Keras on JAX: the same model written as the "customizing what happens in
    fit() with JAX" guide's lower-level example: `train_step(self, state, data)` with
    `stateless_call`, `jax.value_and_grad`, `optimizer.stateless_apply` and the `Mean`
    tracker's `stateless_update_state`; fit jit-compiles it (its default)."""
    import jax

    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.loss_fn = keras.losses.SparseCategoricalCrossentropy()

        def compute_loss_and_updates(self, trainable_variables, non_trainable_variables,
                                     x, y, training=False):
            y_pred, non_trainable_variables = self.stateless_call(
                trainable_variables, non_trainable_variables, x, training=training)
            loss = self.loss_fn(y, y_pred)
            return loss, (y_pred, non_trainable_variables)

        def train_step(self, state, data):
            (trainable_variables, non_trainable_variables, optimizer_variables,
             metrics_variables) = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable_variables)), grads = grad_fn(
                trainable_variables, non_trainable_variables, x, y, training=True)
            trainable_variables, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable_variables)
            loss_tracker_vars = self.loss_tracker.stateless_update_state(
                metrics_variables, loss)
            logs = {"loss": self.loss_tracker.stateless_result(loss_tracker_vars)}
            return logs, (trainable_variables, non_trainable_variables,
                          optimizer_variables, loss_tracker_vars)

        @property
        def metrics(self):
            return [self.loss_tracker]

    return CustomModel
