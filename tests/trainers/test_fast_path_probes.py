"""Regression tests for faults found by probing the fast path (issue 9, item 7):
Maximum/Minimum with NaN and ties, NaN through relu, huge batch sizes, allocation
failures, and the Program's stop at a non-finite loss (TerminateOnNaN)."""

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import config
from pyfastfit.core._c import _C
from tests.trainers._fast_path_twins import twin

K = keras.layers


# ------------------------------------------------------------ Maximum / Minimum merges
def _merge_model(merge, n_inputs=2, width=4):
    ins = [keras.Input((width,)) for _ in range(n_inputs)]
    out = K.Dense(1, kernel_initializer="ones")(merge()(ins))
    m = keras.Model(ins, out)
    m.compile(keras.optimizers.SGD(1.0), "mse")
    return m


@pytest.mark.parametrize("merge, ref", [(K.Maximum, np.maximum), (K.Minimum, np.minimum)])
def test_merge_predict_propagates_nan_from_any_input(merge, ref):
    a = np.array([[1.0, np.nan, 2.0, -1.0], [0.0, 3.0, np.nan, np.nan]], np.float32)
    b = np.array([[np.nan, 1.0, 2.0, 5.0], [0.0, -3.0, np.nan, 1.0]], np.float32)
    sub = lambda: keras.Model(*(lambda i: (i, merge()(i)))([keras.Input((4,)),  # noqa: E731
                                                             keras.Input((4,))]))
    for x in ([a, b], [b, a]):
        fast, eager = twin(lambda: _merge_model(merge),
                           lambda m: (m.predict(x, verbose=0), m.fast_path_reason))
        assert fast[1] is None and eager[1] is not None
        expected = ref(x[0], x[1]).sum(axis=1, keepdims=True)
        np.testing.assert_array_equal(fast[0], expected)
        np.testing.assert_array_equal(eager[0], expected)
        np.testing.assert_array_equal(np.asarray(sub()(x)), ref(x[0], x[1]))


def _grads_by_fit(merge, xs, y, n_inputs):
    """The kernels of the Dense layers in front of the merge after one SGD(1) step:
    kernel_after - kernel_before is minus each input's gradient."""
    def build():
        ins = [keras.Input((3,)) for _ in range(n_inputs)]
        # Identical initial kernels make every element a tie between the branches.
        hs = [K.Dense(2, kernel_initializer="ones", use_bias=False)(i) for i in ins]
        out = K.Dense(1, kernel_initializer="ones", use_bias=False)(merge()(hs))
        m = keras.Model(ins, out)
        m.compile(keras.optimizers.SGD(1.0), "mse")
        return m

    def run(m):
        m.fit(xs, y, batch_size=len(y), epochs=1, shuffle=False, verbose=0)
        return [np.asarray(w) for w in m.get_weights()], m.fast_path_reason

    return twin(build, run)


@pytest.mark.parametrize("merge", [K.Maximum, K.Minimum])
@pytest.mark.parametrize("n_inputs", [2, 3])
def test_merge_ties_send_the_gradient_to_the_first_input_only(merge, n_inputs):
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)
    y = np.zeros((2, 1), np.float32)
    fast, eager = _grads_by_fit(merge, [x] * n_inputs, y, n_inputs)
    assert fast[1] is None and eager[1] is not None
    for wf, we in zip(fast[0], eager[0]):
        np.testing.assert_allclose(wf, we, rtol=1e-6, atol=1e-6)
    # The first branch moved, the tied others did not (eager and NumPy semantics).
    assert not np.allclose(fast[0][0], 1.0)
    for k in range(1, n_inputs):
        np.testing.assert_array_equal(fast[0][k], np.ones((3, 2), np.float32))


@pytest.mark.parametrize("merge", [K.Maximum, K.Minimum])
def test_merge_gradient_with_nan_and_mixed_winners_matches_eager(merge):
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(6, 3)).astype(np.float32) for _ in range(3)]
    xs[2][1] = xs[0][1]  # ties between the first and the last input in one row
    xs[1][3, 0] = np.nan  # a NaN in the middle input
    y = np.zeros((6, 1), np.float32)
    fast, eager = _grads_by_fit(merge, xs, y, 3)
    assert fast[1] is None
    for wf, we in zip(fast[0], eager[0]):
        np.testing.assert_array_equal(np.isnan(wf), np.isnan(we))
        np.testing.assert_allclose(wf, we, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------ NaN through activations
ACTIVATIONS = ["linear", "relu", "sigmoid", "tanh", "softmax", "gelu", "elu", "selu",
               "softplus", "softsign", "swish", "leaky_relu", "exponential", "relu6",
               "hard_sigmoid", "log_softmax"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_nan_propagates_through_every_activation(name):
    x = np.array([[np.nan, 1.0, -1.0]], np.float32)
    out = np.asarray(keras.activations.get(name)(x))
    assert np.isnan(out[0, 0])
    if name not in ("softmax", "log_softmax"):  # those mix the row
        assert np.isfinite(out[0, 1:]).all()


def test_relu_keeps_nan_in_layers_and_fast_path():
    x = np.array([[np.nan, 2.0, -2.0, 0.0]], np.float32)
    np.testing.assert_array_equal(np.asarray(keras.ops.relu(x)), [[np.nan, 2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(K.ReLU()(x)), [[np.nan, 2.0, 0.0, 0.0]])
    np.testing.assert_array_equal(np.asarray(K.Activation("relu")(x)),
                                  [[np.nan, 2.0, 0.0, 0.0]])

    def build():
        m = keras.Sequential([keras.Input((4,)), K.Dense(3, activation="relu"), K.Dense(1)])
        m.compile("sgd", "mse")
        w = m.get_weights()
        w[0][0, 0] = np.nan  # a NaN weight must not hide behind relu
        m.set_weights(w)
        return m

    def run(m):
        xs = np.ones((8, 4), np.float32)
        pred = m.predict(xs, verbose=0)
        loss = m.evaluate(xs, np.zeros((8, 1), np.float32), verbose=0)
        return pred, loss, m.fast_path_reason

    fast, eager = twin(build, run)
    assert fast[2] is None
    assert np.isnan(fast[0]).all() and np.isnan(eager[0]).all()
    assert np.isnan(fast[1]) and np.isnan(eager[1])


# ------------------------------------------------------------ huge batch sizes
def _small_model():
    m = keras.Sequential([keras.Input((3,)), K.Dense(2)])
    m.compile(keras.optimizers.SGD(0.1), "mse")
    return m


@pytest.mark.parametrize("batch_size", [10**12, 2**63, np.uint64(2**64 - 1)])
def test_huge_batch_size_is_clamped_to_the_data_on_the_fast_path(batch_size):
    x = np.arange(15, dtype=np.float32).reshape(5, 3) / 10
    y = np.ones((5, 2), np.float32)

    def run(m, bs):
        h = m.fit(x, y, batch_size=bs, epochs=2, shuffle=False, verbose=0)
        ev = m.evaluate(x, y, batch_size=bs, verbose=0)
        reason = m.fast_path_reason
        return h.history["loss"], ev, m.predict(x, batch_size=bs, verbose=0), reason

    keras.utils.set_random_seed(1)
    got = run(_small_model(), batch_size)
    keras.utils.set_random_seed(1)
    want = run(_small_model(), 5)
    assert got[3] is None
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    np.testing.assert_allclose(got[2], want[2], rtol=1e-6)


def test_allocation_failure_is_a_memory_error_naming_shape_and_bytes():
    with pytest.raises(MemoryError, match=r"shape \(100000000, 100000000\): "
                                          r"40000000000000000 bytes"):
        _C.zeros([10**8, 10**8], "float32")
    # The byte count overflows 64 bits: it used to wrap and allocate 64 bytes.
    with pytest.raises(MemoryError, match=r"shape \(4611686018427387904, 4\)"):
        _C.zeros([2**62, 4], "float32")
    with pytest.raises(MemoryError, match="float32 tensor"):
        _C.zeros([2**61], "float32")


# ------------------------------------------------------------ stop at a non-finite loss
def _nan_data():
    x = np.ones((16, 3), np.float32)
    x[9, 1] = np.nan  # batch 2 of 4 (batch_size 4, no shuffle)
    return x, np.zeros((16, 2), np.float32)


def test_terminate_on_nan_keeps_the_fast_path_and_stops_at_the_same_step(capsys):
    x, y = _nan_data()
    calls = []

    def run(m):
        cb = keras.callbacks.TerminateOnNaN()
        hook = cb.on_train_batch_end

        def counting(batch, logs=None):
            calls.append(batch)
            hook(batch, logs)

        cb.on_train_batch_end = counting  # instance attribute: the class is unchanged
        h = m.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0, callbacks=[cb])
        return (h.history["loss"], int(np.asarray(m.optimizer.iterations)),
                m.fast_path_reason, [np.asarray(w) for w in m.get_weights()])

    fast, eager = twin(_small_model, run)
    assert fast[2] is None and eager[2] is not None
    assert calls[:1] == [2]  # the fast path called the hook once, for the tripped step
    assert calls[1:] == [0, 1, 2]  # the eager loop calls it every step
    assert fast[1] == eager[1] == 3
    assert len(fast[0]) == len(eager[0]) == 1 and np.isnan(fast[0][0])
    for wf, we in zip(fast[3], eager[3]):
        np.testing.assert_array_equal(np.isnan(wf), np.isnan(we))
    assert capsys.readouterr().out.count("Batch 2: Invalid loss, terminating training") == 2


def test_terminate_on_nan_raise_error_and_finite_losses():
    x, y = _nan_data()
    m = _small_model()
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
        m.fit(x, y, batch_size=4, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])
    assert m.fast_path_reason is None
    assert int(np.asarray(m.optimizer.iterations)) == 3
    m = _small_model()
    h = m.fit(np.ones((16, 3), np.float32), y, batch_size=4, epochs=2, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(h.history["loss"]) == 2 and int(np.asarray(m.optimizer.iterations)) == 8


def test_a_subclass_of_terminate_on_nan_gets_every_batch_hook():
    class Counting(keras.callbacks.TerminateOnNaN):
        seen = []

        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(batch)
            super().on_train_batch_end(batch, logs)

    m = _small_model()
    m.fit(np.ones((16, 3), np.float32), np.zeros((16, 2), np.float32), batch_size=4,
          verbose=0, callbacks=[Counting()])
    assert Counting.seen == [0, 1, 2, 3]
    assert config.is_fast_path_enabled()


@pytest.mark.parametrize("pace", [False, True])
def test_terminate_on_nan_beside_other_batch_observers_prints_once(pace, capsys):
    x, y = _nan_data()

    class Seen(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = []

        def on_train_batch_end(self, batch, logs=None):
            self.batches.append(batch)

    if pace:  # a callback pacing its hooks (chunks of several steps on the fast path)
        Seen._steps_to_next_batch_hook = lambda self, kind: 3

    def run(m):
        seen = Seen()
        m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN(), seen])
        return int(np.asarray(m.optimizer.iterations)), seen.batches, m.fast_path_reason

    fast, eager = twin(_small_model, run)
    assert fast[2] is None
    assert fast[0] == eager[0] == 3
    assert fast[1][-1] == eager[1][-1] == 2
    assert capsys.readouterr().out.count("Batch 2: Invalid loss, terminating training") == 2
