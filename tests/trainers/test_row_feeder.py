"""fit / evaluate / predict's per-batch loops over NumPy data feed a replaying compiled
step straight from the arrays' rows (trainers/row_feeder.py, Recording.replay_rows):
the numbers must be exactly those of the loop that makes each batch and calls the step."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import _C, layers
from pyfastfit.capture import Function
from pyfastfit.trainers import row_feeder


class Custom(keras.Model):
    """Chapter 7's CustomModel: train_step with a tape and a Mean tracker."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tracker = keras.metrics.Mean(name="loss")
        self.loss_fn = keras.losses.SparseCategoricalCrossentropy()

    def train_step(self, data):
        x, y = data[0], data[1]
        with keras.GradientTape() as tape:
            loss = self.loss_fn(y, self(x, training=True),
                                sample_weight=data[2] if len(data) > 2 else None)
        grads = tape.gradient(loss, self.trainable_weights)
        self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
        self.tracker.update_state(loss)
        return {"loss": self.tracker.result()}

    def test_step(self, data):
        x, y = data[0], data[1]
        self.tracker.update_state(self.loss_fn(y, self(x, training=False)))
        return {"loss": self.tracker.result()}

    def predict_step(self, data):
        # Keras hands predict_step x itself, or (x,) when x is a list/tuple of inputs.
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return {"probs": self(x, training=False)}

    @property
    def metrics(self):
        return [self.tracker]


def _model(two_inputs=False):
    keras.utils.set_random_seed(1)
    if two_inputs:
        a, b = keras.Input((5,), name="a"), keras.Input((3,), name="b")
        h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
        model = Custom({"a": a, "b": b}, layers.Dense(4, activation="softmax")(h))
    else:
        inp = keras.Input((6,))
        h = layers.Dense(8, activation="relu")(inp)
        model = Custom(inp, layers.Dense(4, activation="softmax")(h))
    model.compile(optimizer=keras.optimizers.RMSprop(1e-2))
    return model


class _BatchHook(keras.callbacks.Callback):
    """A batch hook: fit's loop then returns to Python after every step."""

    def on_train_batch_end(self, batch, logs=None):
        pass


def _program(feed, two_inputs=False, sample_weight=False, steps_per_epoch=None,
             per_step=False):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((70, 6)).astype("float32")
    if two_inputs:
        x = {"b": x[:, :3].copy(), "a": np.concatenate([x, x[:, :2]], 1)[:, :5].copy()}
    y = rng.integers(0, 4, 70).astype("int32")
    sw = rng.uniform(0.5, 1.5, 70).astype("float32") if sample_weight else None
    model = _model(two_inputs)
    np.random.seed(3)  # the pass orders
    calls = []
    if not feed:
        patched = row_feeder.batches
        row_feeder.batches = lambda fn, adapter: (adapter.epoch(), fn)
    real = Function._replay_rows
    grouped = []

    def counted(self, key, sources, start, order, steps=None):
        out = real(self, key, sources, start, order, steps)
        if steps is None:
            calls.append(out is not None)
        else:
            grouped.append(steps if out is not None else 0)
        return out

    Function._replay_rows = counted
    try:
        hist = model.fit(x, y, sample_weight=sw, batch_size=16, epochs=4, verbose=0,
                         steps_per_epoch=steps_per_epoch,
                         callbacks=[_BatchHook()] if per_step else None)
        ev = model.evaluate(x, y, batch_size=16, verbose=0, return_dict=True)
        pred = model.predict(x, batch_size=16, verbose=0)
    finally:
        Function._replay_rows = real
        if not feed:
            row_feeder.batches = patched
    assert isinstance(model.train_function, Function)
    return dict(history=hist.history, eval=ev, pred=pred["probs"],
                weights=model.get_weights(), rows_replayed=sum(calls) + sum(grouped),
                grouped=sum(grouped))


@pytest.mark.parametrize("kwargs", [
    {}, {"sample_weight": True}, {"two_inputs": True}, {"steps_per_epoch": 3}])
def test_rows_fed_into_the_replay_give_the_same_numbers(kwargs):
    fed, made = _program(True, **kwargs), _program(False, **kwargs)
    assert made["rows_replayed"] == 0 and fed["rows_replayed"] > 0
    assert fed["history"] == made["history"]
    assert fed["eval"] == made["eval"]
    np.testing.assert_array_equal(fed["pred"], made["pred"])
    for a, b in zip(fed["weights"], made["weights"]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kwargs", [{}, {"sample_weight": True}, {"steps_per_epoch": 6}])
def test_steps_replayed_in_one_call_give_the_same_numbers(kwargs):
    # Without batch hooks fit hands each run of replaying batches to C++ at once
    # (Recording.replay_rows_steps); with one it returns to Python after every step.
    grouped, per_step = _program(True, **kwargs), _program(True, per_step=True, **kwargs)
    assert grouped["grouped"] >= 3 and per_step["grouped"] == 0
    assert grouped["history"] == per_step["history"]
    assert grouped["eval"] == per_step["eval"]
    for a, b in zip(grouped["weights"], per_step["weights"]):
        np.testing.assert_array_equal(a, b)


def test_replay_rows_steps_runs_consecutive_batches():
    rec = _recording()
    xs = np.arange(40, dtype=np.float32).reshape(20, 2)
    ys = np.arange(20, dtype=np.int32)
    src = [_C.from_numpy(xs), _C.from_numpy(ys)]
    order = np.random.default_rng(0).permutation(20).astype(np.int64)
    (out,) = rec.replay_rows_steps(src, 2, _C.from_numpy(order), 4)
    rows = order[2 + 3 * 3:2 + 4 * 3]  # the fourth batch of three rows from position 2
    np.testing.assert_array_equal(np.asarray(out), xs[rows] * 2 + ys[rows, None])
    (out,) = rec.replay_rows_steps(src, 5, None, 2)
    np.testing.assert_array_equal(np.asarray(out), xs[8:11] * 2 + ys[8:11, None])
    # A batch past the end fails before it runs, naming the rows.
    with pytest.raises(Exception, match=r"\[capture\] rows 18\.\.21 are out of range"):
        rec.replay_rows_steps(src, 0, _C.from_numpy(order), 7)
    with pytest.raises(Exception, match=r"\[capture\].*at least one step"):
        rec.replay_rows_steps(src, 0, None, 0)


def _recording():
    """A replayable Recording of `x * 2 + y`, x (3, 2) float32 and y (3,) int32."""
    from pyfastfit import ops

    @keras.function
    def f(x, y):
        return ops.add(ops.multiply(x, 2.0), ops.expand_dims(ops.cast(y, "float32"), 1))

    x, y = np.ones((3, 2), np.float32), np.zeros(3, np.int32)
    for _ in range(3):
        f(x, y)
    (entry,) = f._entries.values()
    assert entry.recording is not None
    return entry.recording


def test_replay_rows_gathers_rows_in_order_or_from_start():
    rec = _recording()
    xs = np.arange(20, dtype=np.float32).reshape(10, 2)
    ys = np.arange(10, dtype=np.int32)
    src = [_C.from_numpy(xs), _C.from_numpy(ys)]
    (out,) = rec.replay_rows(src, 4)
    np.testing.assert_array_equal(np.asarray(out), xs[4:7] * 2 + ys[4:7, None])
    order = np.array([9, 0, 5, 2, 7], np.int64)
    (out,) = rec.replay_rows(src, 1, _C.from_numpy(order))
    rows = order[1:4]
    np.testing.assert_array_equal(np.asarray(out), xs[rows] * 2 + ys[rows, None])


def test_replay_rows_rejects_bad_rows_with_a_clear_error():
    rec = _recording()
    xs, ys = np.zeros((10, 2), np.float32), np.zeros(10, np.int32)
    src = [_C.from_numpy(xs), _C.from_numpy(ys)]
    with pytest.raises(Exception, match=r"\[capture\].*out of range"):
        rec.replay_rows(src, 8)
    with pytest.raises(Exception, match=r"\[capture\].*row index 10"):
        rec.replay_rows(src, 0, _C.from_numpy(np.array([0, 10, 1], np.int64)))
    with pytest.raises(Exception, match=r"\[capture\].*int64"):
        rec.replay_rows(src, 0, _C.from_numpy(np.array([0, 1, 2], np.int32)))
    with pytest.raises(Exception, match=r"\[capture\].*cannot fill input 0"):
        rec.replay_rows([_C.from_numpy(np.zeros((10, 3), np.float32)), src[1]], 0)
    with pytest.raises(Exception, match=r"\[capture\].*cannot fill input 1"):
        rec.replay_rows([src[0], _C.from_numpy(np.zeros(10, np.int64))], 0)
    with pytest.raises(Exception, match=r"\[capture\] expected 2 inputs"):
        rec.replay_rows(src[:1], 0)


def test_tensor_arguments_of_another_shape_after_a_replay_take_their_own_signature():
    # The steady-state shortcut (Recording.try_replay) must step aside for new shapes,
    # dtypes and argument kinds, and come back to the right recording.
    from pyfastfit import ops

    @keras.function
    def f(x, y):
        return ops.add(ops.multiply(x, 2.0), y)

    rng = np.random.default_rng(0)
    calls = [(rng.standard_normal((4, 3)).astype("float32"),
              rng.standard_normal((4, 3)).astype("float32")) for _ in range(4)]
    calls += [(rng.standard_normal((2, 3)).astype("float32"),
               rng.standard_normal((2, 3)).astype("float32")) for _ in range(4)]
    calls += calls[:4]
    for x, y in calls + [(keras.ops.convert_to_tensor(x), y) for x, y in calls]:
        np.testing.assert_allclose(np.asarray(f(x, y)), x * 2 + np.asarray(y), rtol=1e-6)
        assert f.fallback_reason is None
    np.testing.assert_allclose(np.asarray(f(calls[0][0], 1.5)), calls[0][0] * 2 + 1.5,
                               rtol=1e-6)


def test_float_of_a_scalar_tensor_is_the_numpy_value_and_counts_as_host_access():
    for value in (np.float32(0.1), np.array([[2.5e30]], np.float32), np.int32(7),
                  np.array([True])):
        t = keras.ops.convert_to_tensor(value)
        assert float(t) == float(np.asarray(value).reshape(())[()])
    before = _C.host_access_count()
    float(keras.ops.convert_to_tensor(np.float32(1.0)))
    assert _C.host_access_count() == before + 1
    with pytest.raises(TypeError, match="one element"):
        float(keras.ops.convert_to_tensor(np.ones(2, np.float32)))
