"""pyfastfit.function: captured calls equal eager calls; what cannot be replayed runs
eagerly with a reason."""

import threading

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import _C, layers, ops


def _mlp(seed=3):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(shape=(12,))
    h = layers.Dense(16, activation="relu")(inputs)
    return keras.Model(inputs, layers.Dense(4)(h))


def _data(n=96, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 12)).astype("float32"),
            rng.integers(0, 4, n).astype("int32"))


def _train(compiled, optimizer_fn=lambda: keras.optimizers.SGD(0.05), batches=12):
    model = _mlp()
    opt = optimizer_fn()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    calls = []

    def step(x, y):
        calls.append(1)  # a Python side effect: runs while recording only
        with keras.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        opt.apply(grads, model.trainable_weights)
        return {"loss": loss, "logits_sum": ops.sum(model(x))}

    fn = keras.function(step) if compiled else step
    x, y = _data(8 * batches)
    outs = [fn(x[i:i + 8], y[i:i + 8]) for i in range(0, len(x), 8)]
    return model, opt, outs, fn, len(calls)


def _assert_same_training(a, b):
    for wa, wb in zip(a[0].get_weights(), b[0].get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6, atol=1e-7)
    for oa, ob in zip(a[2], b[2]):
        for k in oa:
            np.testing.assert_allclose(np.asarray(oa[k]), np.asarray(ob[k]), rtol=1e-6,
                                       atol=1e-6)


def test_custom_loop_replays_and_matches_eager():
    eager = _train(False)
    compiled = _train(True)
    _assert_same_training(eager, compiled)
    fn = compiled[3]
    assert fn.fallback_reason is None
    # A warm-up call and two recordings ran Python; the other nine calls were replays.
    assert compiled[4] == 3
    assert int(compiled[1].iterations.numpy()) == 12


@pytest.mark.parametrize("make_opt", [
    lambda: keras.optimizers.Adam(0.01),
    lambda: keras.optimizers.RMSprop(0.01),
    lambda: keras.optimizers.SGD(keras.optimizers.schedules.ExponentialDecay(
        0.1, decay_steps=2, decay_rate=0.5)),
], ids=["adam", "rmsprop", "sgd-schedule"])
def test_optimizer_state_and_schedules_advance_on_replay(make_opt):
    # Adam's bias correction reads `iterations`, the schedule is recomputed in Python
    # before every replay: a value baked at capture would drift from the eager run.
    _assert_same_training(_train(False, make_opt), _train(True, make_opt))


def test_returned_tensors_are_new_each_call():
    @keras.function
    def f(x):
        return ops.multiply(x, 2.0)

    outs = [f(np.full((3,), i, "float32")) for i in range(6)]
    for i, o in enumerate(outs):
        np.testing.assert_array_equal(np.asarray(o), np.full((3,), 2.0 * i))
    assert f.fallback_reason is None


def test_inputs_are_copied_not_aliased():
    @keras.function
    def f(x):
        return ops.add(x, 1.0)

    arrays = [np.full((2, 2), i, "float32") for i in range(5)]
    keep = [a.copy() for a in arrays]
    outs = [f(a) for a in arrays]
    for a, k, o in zip(arrays, keep, outs):
        np.testing.assert_array_equal(a, k)
        np.testing.assert_array_equal(np.asarray(o), k + 1)


def test_new_shapes_get_their_own_recording():
    @keras.function
    def f(x):
        return ops.sum(ops.square(x), axis=0)

    for n in (3, 5, 3, 5, 3, 5, 3, 5, 1):
        x = np.arange(n * 2, dtype="float32").reshape(n, 2)
        np.testing.assert_allclose(np.asarray(f(x)), (x ** 2).sum(0))
    assert len(f._entries) == 3


def test_reading_a_value_in_python_falls_back_to_eager():
    @keras.function
    def f(x):
        s = ops.sum(x)
        if float(s) > 0:  # data-dependent Python control flow
            return ops.add(x, 1.0)
        return ops.subtract(x, 1.0)

    for v in (1.0, 2.0, 3.0, -1.0):
        out = f(np.full((2,), v, "float32"))
        np.testing.assert_array_equal(np.asarray(out), np.full((2,), v + (1 if v > 0 else -1)))
    assert "read or written in Python" in f.fallback_reason


def test_python_state_that_changes_the_ops_falls_back():
    counter = {"n": 0}

    @keras.function
    def f(x):
        counter["n"] += 1
        return ops.multiply(x, float(counter["n"]))  # a Python value baked per call

    outs = [np.asarray(f(np.ones((2,), "float32"))) for _ in range(5)]
    np.testing.assert_array_equal(np.stack(outs)[:, 0], [1, 2, 3, 4, 5])
    assert "different ops" in f.fallback_reason


def test_creating_a_variable_inside_falls_back():
    @keras.function
    def f(x):
        v = keras.Variable(np.zeros((2,), "float32"))
        v.assign_add(x)
        return v.value

    for i in range(4):
        np.testing.assert_array_equal(np.asarray(f(np.full((2,), i, "float32"))),
                                      np.full((2,), i))
    assert "Variable was created" in f.fallback_reason


@pytest.mark.parametrize("make", [
    lambda: layers.Dropout(0.5, seed=7),
    lambda: layers.SpatialDropout1D(0.5, seed=7),
    lambda: layers.GaussianNoise(0.3, seed=7),
], ids=["dropout", "spatial_dropout", "gaussian_noise"])
def test_random_layers_draw_new_values_on_each_replay(make):
    # The layer's call counter is a tensor the C++ draw advances, so replays draw what
    # the eager calls draw, and never the capture's values again.
    eager_layer, captured_layer = make(), make()

    @keras.function
    def f(x):
        return captured_layer(x, training=True)

    x = np.ones((2, 8, 4), "float32")
    eager = [np.asarray(eager_layer(x, training=True)) for _ in range(6)]
    captured = [np.asarray(f(x)) for _ in range(6)]
    assert f.fallback_reason is None
    for e, c in zip(eager, captured):
        np.testing.assert_array_equal(e, c)
    assert not any((captured[i] == captured[i + 1]).all() for i in range(5))
    assert captured_layer._counter == 6


def test_seed_generator_draws_replay():
    # The generator's state is a tensor the C++ draw advances: the capture replays the
    # draws, with new values on every call, the ones the eager calls would draw.
    keras.utils.set_random_seed(0)
    gen, twin = keras.random.SeedGenerator(3), keras.random.SeedGenerator(3)

    @keras.function
    def f(x):
        return keras.random.dropout(x, 0.5, seed=gen)

    x = np.ones((64,), "float32")
    masks = [np.asarray(f(x)) for _ in range(5)]
    assert f.fallback_reason is None
    assert any(e.recording is not None for e in f._entries.values())
    for m in masks:
        np.testing.assert_array_equal(m, np.asarray(keras.random.dropout(x, 0.5, seed=twin)))
    assert not any((masks[i] == masks[i + 1]).all() for i in range(4))
    assert gen.state.numpy().tolist() == [3, 5]


def test_inside_an_outer_tape_runs_eagerly_so_gradients_flow():
    w = keras.Variable(np.array([2.0], "float32"))

    @keras.function
    def f(x):
        return ops.sum(ops.multiply(w, x))

    for _ in range(4):
        f(np.ones((1,), "float32"))
    with keras.GradientTape() as tape:
        y = f(np.array([3.0], "float32"))
    np.testing.assert_allclose(np.asarray(tape.gradient(y, [w])[0]), [3.0])
    assert "GradientTape" in f.fallback_reason


def test_an_exception_while_recording_propagates_and_later_calls_work():
    fail = {"on": False}

    @keras.function
    def f(x):
        y = ops.add(x, 1.0)
        if fail["on"]:
            raise RuntimeError("boom")
        return y

    f(np.zeros((2,), "float32"))
    fail["on"] = True
    with pytest.raises(RuntimeError, match="boom"):
        f(np.zeros((2,), "float32"))
    fail["on"] = False
    for _ in range(4):
        np.testing.assert_array_equal(np.asarray(f(np.ones((2,), "float32"))), [2.0, 2.0])
    assert not _C.Recording.is_recording()


def test_concurrent_calls_give_right_answers():
    @keras.function
    def f(x):
        return ops.matmul(x, ops.transpose(x))

    rng = np.random.default_rng(1)
    xs = [rng.standard_normal((4, 3)).astype("float32") for _ in range(40)]
    errors = []

    def work(offset):
        for x in xs[offset::2]:
            got = np.asarray(f(x))
            if not np.allclose(got, x @ x.T, rtol=1e-5, atol=1e-5):
                errors.append(got)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_decorated_method_keeps_one_recording_per_instance():
    class Scaler:
        def __init__(self, k):
            self.k = keras.Variable(np.array(k, "float32"))

        @keras.function
        def __call__(self, x):
            return ops.multiply(x, self.k.value)

    a, b = Scaler(2.0), Scaler(3.0)
    for _ in range(4):
        np.testing.assert_array_equal(np.asarray(a(np.ones((2,), "float32"))), [2, 2])
        np.testing.assert_array_equal(np.asarray(b(np.ones((2,), "float32"))), [3, 3])


def test_not_callable_is_a_clear_error():
    with pytest.raises(TypeError, match="expects a callable"):
        keras.function(3)


def test_every_tensor_op_binding_is_recorded():
    kinds = _C.Recording.capture_kinds()
    for name in ("dense_forward", "dense_backward", "binary", "unary", "matmul",
                 "optimizer_update_", "conv_forward", "batch_norm_train_forward"):
        assert kinds[name], name
    # Boundaries to Python: they never run inside a replay.
    assert kinds["from_numpy"] is False
    assert sum(kinds.values()) > 80


def test_nested_arguments_and_python_keywords():
    @keras.function
    def f(batch, scale=1.0, training=False):
        out = ops.add(batch["a"], batch["pair"][1])
        return {"out": ops.multiply(out, scale) if training else out, "n": 3}

    for i in range(5):
        a = np.full((2,), i, "float32")
        b = np.ones((2,), "float32")
        got = f({"a": a, "pair": (None, b)}, scale=2.0, training=True)
        np.testing.assert_array_equal(np.asarray(got["out"]), (a + b) * 2)
        assert got["n"] == 3
        got = f({"a": a, "pair": (None, b)}, training=False)
        np.testing.assert_array_equal(np.asarray(got["out"]), a + b)
    assert f.fallback_reason is None
    assert len(f._entries) == 2


def test_recheck_sees_python_attributes_changed_between_calls():
    layer = layers.Dropout(0.5, seed=1)

    @keras.function
    def f(x):
        return layer(x, training=True)

    x = np.ones((200,), "float32")
    for _ in range(4):
        f(x)
    layer.rate = 0.0  # baked into the recording: a replay would still drop
    f.recheck()
    for _ in range(3):
        np.testing.assert_array_equal(np.asarray(f(x)), x)
    assert f.fallback_reason is None


def test_fit_rechecks_its_compiled_step():
    m = keras.Sequential([keras.Input((12,)), layers.Dense(8, activation="relu"),
                          layers.Dropout(0.5), layers.Dense(4)])
    m.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(True))
    keras.config.set_fast_path_enabled(False)
    x, y = _data(64)
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    m.layers[1].rate = 0.0
    before = m.layers[1]._counter
    m.fit(x, y, batch_size=8, epochs=1, verbose=0)
    assert m.train_function.fallback_reason is None
    assert m.layers[1]._counter == before  # rate 0: no draws at all, not replayed ones
