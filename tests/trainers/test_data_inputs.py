"""Data inputs as Keras 3: PyDataset shuffle / workers / on_epoch_end in fit,
steps_per_epoch over finite data, one-element list batches, extra dict keys."""

import multiprocessing
import os
import signal
import threading

import numpy as np
import pytest

import pyfastfit as keras
from pyfastfit import data, layers, utils
from pyfastfit.trainers.data_adapters import IterableDataAdapter

N, BS = 40, 8
RNG = np.random.default_rng(0)
X = RNG.normal(size=(N, 3)).astype(np.float32)
Y = (X @ np.array([[1.0], [-2.0], [0.5]], np.float32)).astype(np.float32)
RAN_OUT = "Your input ran out of data; interrupting training"


class Rows(utils.PyDataset):
    """Batch i is rows [i*BS, (i+1)*BS); records the order batches are read in the
    process that reads them, and how many epochs ended."""

    def __init__(self, n_batches=N // BS, fail_at=None, **kwargs):
        super().__init__(**kwargs)
        self.n_batches, self.fail_at = n_batches, fail_at
        self.read, self.begun, self.ended = [], 0, 0

    def __len__(self):
        return self.n_batches

    def __getitem__(self, i):
        if i == self.fail_at:
            raise ValueError(f"cannot load batch {i}")
        self.read.append(i)
        sl = slice(i * BS, (i + 1) * BS)
        return X[sl], Y[sl]

    def on_epoch_begin(self):
        self.begun += 1

    def on_epoch_end(self):
        self.ended += 1


def _model(seed=1):
    keras.utils.set_random_seed(seed)
    m = keras.Sequential([keras.Input((3,)), layers.Dense(4, activation="relu"),
                          layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    return m


def _first_rows_per_step(model):
    """Wraps train_step to record which batch each step got (its first row's index)."""
    seen = []
    original = model.train_step

    def step(batch):
        first = np.asarray(batch[0])[0]
        seen.append(int(np.flatnonzero((X == first).all(axis=1))[0]) // BS)
        return original(batch)

    model.train_step = step
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    return seen


def _no_loader_left():
    return not multiprocessing.active_children() and not [
        t for t in threading.enumerate() if t.name.startswith("pyfastfit_py_dataset")]


# ------------------------------------------------------------------ shuffle
def test_fit_shuffles_py_dataset_batch_order_each_epoch():
    m = _model()
    seen = _first_rows_per_step(m)
    ds = Rows(n_batches=5)
    utils.set_random_seed(3)
    m.fit(ds, epochs=4, shuffle=True, verbose=0)
    orders = [seen[i:i + 5] for i in range(0, 20, 5)]
    assert all(sorted(o) == list(range(5)) for o in orders)
    assert len({tuple(o) for o in orders}) > 1  # reshuffled between epochs
    assert ds.begun == ds.ended == 4
    # the same seed gives the same orders
    seen.clear()
    utils.set_random_seed(3)
    m.fit(Rows(n_batches=5), epochs=4, shuffle=True, verbose=0)
    assert [seen[i:i + 5] for i in range(0, 20, 5)] == orders


def test_no_shuffle_for_shuffle_false_evaluate_predict_and_validation():
    m = _model()
    train, val = Rows(), Rows()
    m.fit(train, epochs=2, shuffle=False, validation_data=val, verbose=0)
    assert train.read == list(range(5)) * 2 and val.read == list(range(5)) * 2
    ev, pr = Rows(), Rows()
    m.evaluate(ev, verbose=0)
    np.testing.assert_allclose(m.predict(pr, verbose=0), m.predict(X, verbose=0),
                               rtol=1e-6, atol=1e-6)
    assert ev.read == pr.read == list(range(5))


# ------------------------------------------------------------------ workers
@pytest.mark.parametrize("kwargs", [
    {"workers": 2},
    {"workers": 3, "max_queue_size": 1},
    {"workers": 2, "use_multiprocessing": True},
    {"workers": 1, "use_multiprocessing": True},
])
def test_workers_give_the_same_training_as_serial_loading(kwargs):
    serial = _model()
    h_serial = serial.fit(Rows(), epochs=3, shuffle=False, verbose=0)
    parallel = _model()
    ds = Rows(**kwargs)
    h = parallel.fit(ds, epochs=3, shuffle=False, validation_data=Rows(**kwargs),
                     verbose=0)
    np.testing.assert_allclose(h.history["loss"], h_serial.history["loss"], rtol=1e-6)
    for a, b in zip(parallel.get_weights(), serial.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert ds.begun == ds.ended == 3  # the hooks run in this process
    np.testing.assert_allclose(parallel.predict(Rows(**kwargs), verbose=0),
                               parallel.predict(X, verbose=0), rtol=1e-6, atol=1e-6)
    assert _no_loader_left()


class EpochTagged(utils.PyDataset):
    """Batches carry the number of epochs ended so far (read by the loader)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.epoch = 0

    def __len__(self):
        return 3

    def __getitem__(self, i):
        return np.full((2, 1), 10 * self.epoch + i, np.float32)

    def on_epoch_end(self):
        self.epoch += 1


@pytest.mark.parametrize("multiprocess", [False, True])
def test_workers_see_on_epoch_end_changes(multiprocess):
    adapter = IterableDataAdapter(EpochTagged(workers=2, use_multiprocessing=multiprocess,
                                              max_queue_size=3))
    values = [[float(np.asarray(b[0])[0, 0]) for _, b in adapter.epoch()]
              for _ in range(3)]
    assert values == [[0, 1, 2], [10, 11, 12], [20, 21, 22]]
    assert _no_loader_left()


@pytest.mark.parametrize("multiprocess", [False, True])
def test_worker_error_reaches_fit_and_no_worker_is_left(multiprocess):
    m = _model()
    with pytest.raises(ValueError, match="cannot load batch 3"):
        m.fit(Rows(fail_at=3, workers=2, use_multiprocessing=multiprocess), epochs=2,
              verbose=0)
    assert _no_loader_left()


class Interrupt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if batch == 1:
            raise KeyboardInterrupt


@pytest.mark.parametrize("multiprocess", [False, True])
def test_keyboard_interrupt_in_fit_stops_the_workers(multiprocess):
    ds = Rows(workers=2, use_multiprocessing=multiprocess, max_queue_size=4)
    with pytest.raises(KeyboardInterrupt):
        _model().fit(ds, epochs=2, callbacks=[Interrupt()], verbose=0)
    assert _no_loader_left()
    assert ds.ended == 1  # the interrupted epoch was closed


def test_stop_training_mid_epoch_closes_the_epoch():
    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            self.model.stop_training = True

    ds = Rows(workers=2)
    h = _model().fit(ds, epochs=3, callbacks=[Stop()], verbose=0)
    assert len(h.history["loss"]) == 1 and ds.ended == 1 and _no_loader_left()


# ------------------------------------------------------------------ steps_per_epoch
def test_steps_per_epoch_continues_and_stops_with_keras_warning_when_data_runs_out():
    m = _model()
    seen = _first_rows_per_step(m)
    ds = Rows(n_batches=5)
    with pytest.warns(UserWarning, match=RAN_OUT) as record:
        h = m.fit(ds, epochs=4, steps_per_epoch=2, shuffle=False, verbose=0)
    assert seen == [0, 1, 2, 3, 4]  # no reset between epochs
    assert h.epoch == [0, 1, 2]  # the short third epoch ends normally, then it stops
    assert ds.begun == ds.ended == 3
    assert len(record) == 1 and "`steps_per_epoch * epochs` batches" in \
        str(record[0].message)


@pytest.mark.parametrize("make", [
    lambda: ((X[i:i + BS], Y[i:i + BS]) for i in range(0, N, BS)),  # generator
    lambda: data.Dataset.from_tensor_slices((X, Y)).batch(BS),
    lambda: Rows(workers=2, max_queue_size=3),
    lambda: Rows(workers=2, use_multiprocessing=True),
], ids=["generator", "dataset", "py_dataset_threads", "py_dataset_processes"])
def test_steps_per_epoch_on_each_kind_of_finite_data(make):
    m = _model()
    seen = _first_rows_per_step(m)
    with pytest.warns(UserWarning, match=RAN_OUT):
        h = m.fit(make(), epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert seen == [0, 1, 2, 3, 4] and h.epoch == [0, 1, 2]
    assert _no_loader_left()


def test_data_running_out_at_an_epoch_boundary_stops_before_the_empty_epoch():
    m = _model()
    ends = []
    cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: ends.append(e))
    with pytest.warns(UserWarning, match=RAN_OUT):
        h = m.fit(Rows(n_batches=4), epochs=3, steps_per_epoch=2, callbacks=[cb],
                  verbose=0)
    assert h.epoch == [0, 1] and ends == [0, 1]


def test_enough_data_for_steps_per_epoch_does_not_warn():
    m = _model()  # filterwarnings=error turns any warning into a failure
    h = m.fit(Rows(n_batches=5), epochs=2, steps_per_epoch=2, verbose=0)
    assert h.epoch == [0, 1]
    endless = data.Dataset.from_tensor_slices((X, Y)).batch(BS).repeat()
    assert m.fit(endless, epochs=3, steps_per_epoch=7, verbose=0).epoch == [0, 1, 2]


def test_evaluate_and_predict_steps_beyond_the_data_warn_and_stop_at_its_end():
    m = _model()
    expected = m.evaluate(X, Y, batch_size=BS, verbose=0)
    with pytest.warns(UserWarning, match=RAN_OUT):
        got = m.evaluate(Rows(), steps=7, verbose=0)
    assert got == pytest.approx(expected, rel=1e-5)
    with pytest.warns(UserWarning, match=RAN_OUT):
        pred = m.predict(Rows(), steps=7, verbose=0)
    np.testing.assert_allclose(pred, m.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ list batches
class ListBatches:
    """An iterable of one-element lists `[x]`, as a torch DataLoader over a
    TensorDataset of inputs yields."""

    def __init__(self, x, batch_size):
        self.x, self.batch_size = x, batch_size

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __iter__(self):
        for i in range(0, len(self.x), self.batch_size):
            yield [self.x[i:i + self.batch_size]]


@pytest.mark.parametrize("n", [1, 7, 40])
def test_predict_on_one_element_list_batches(n):
    m = _model()
    pred = m.predict(ListBatches(X[:n], 8), verbose=0)
    assert pred.shape == (n, 1)
    np.testing.assert_allclose(pred, m.predict(X[:n], verbose=0), rtol=1e-6, atol=1e-6)


def test_predict_on_a_torch_data_loader_of_inputs():
    torch = pytest.importorskip("torch")
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(X)), batch_size=16)
    m = _model()
    pred = m.predict(loader, verbose=0)
    assert pred.shape == (N, 1)
    np.testing.assert_allclose(pred, m.predict(X, verbose=0), rtol=1e-6, atol=1e-6)


# ------------------------------------------------------------------ dict keys
def _two_input_model(inputs_as, eager):
    keras.utils.set_random_seed(2)
    a, b = keras.Input((3,), name="a"), keras.Input((2,), name="b")
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    m = keras.Model({"a": a, "b": b} if inputs_as == "dict" else [a, b], out)
    m.compile(optimizer="sgd", loss="mse", run_eagerly=eager)
    return m


XB = RNG.normal(size=(N, 2)).astype(np.float32)
EXTRA = RNG.normal(size=(N, 5)).astype(np.float32)
STRUCT = "The structure of `inputs` doesn't match the expected structure."


@pytest.mark.parametrize("eager", [False, True])
def test_extra_dict_keys_warn_as_keras_on_both_paths(eager):
    x = {"a": X, "b": XB, "extra": EXTRA}
    m, ref = _two_input_model("dict", eager), _two_input_model("dict", eager)
    message = (STRUCT + "\nExpected: {'a': 'a', 'b': 'b'}\nReceived: inputs={'a': "
               "'Tensor(shape=(8, 3))', 'b': 'Tensor(shape=(8, 2))', 'extra': "
               "'Tensor(shape=(8, 5))'}")
    with pytest.warns(UserWarning) as record:
        h = m.fit(x, Y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert [str(r.message) for r in record] == [message]
    h_ref = ref.fit({"a": X, "b": XB}, Y, batch_size=8, epochs=2, shuffle=False,
                    verbose=0)
    np.testing.assert_allclose(h.history["loss"], h_ref.history["loss"], rtol=1e-6)
    with pytest.warns(UserWarning, match=STRUCT):
        m.evaluate(x, Y, batch_size=8, verbose=0)
    with pytest.warns(UserWarning, match=r"'extra': 'Tensor\(shape=\(32, 5\)\)'"):
        pred = m.predict(x, verbose=0)
    np.testing.assert_allclose(pred, m.predict({"a": X, "b": XB}, verbose=0), rtol=1e-6)


def test_extra_dict_keys_in_datasets_generators_and_validation_warn():
    m = _two_input_model("dict", eager=False)
    x = {"a": X, "b": XB, "extra": EXTRA}
    ds = data.Dataset.from_tensor_slices((x, Y)).batch(10)
    with pytest.warns(UserWarning, match=r"'extra': 'Tensor\(shape=\(10, 5\)\)'"):
        m.fit(ds, epochs=1, verbose=0)
    gen = (({k: v[i:i + 4] for k, v in x.items()}, Y[i:i + 4]) for i in range(0, N, 4))
    with pytest.warns(UserWarning, match=r"'extra': 'Tensor\(shape=\(4, 5\)\)'"):
        m.fit(gen, epochs=1, verbose=0)
    with pytest.warns(UserWarning, match=STRUCT) as record:
        m.fit({"a": X, "b": XB}, Y, validation_data=(x, Y), epochs=2, verbose=0)
    assert len(record) == 1  # once per call, not per validation run


def test_single_input_extra_key_warns_and_list_inputs_or_exact_keys_do_not():
    keras.utils.set_random_seed(2)
    inp = keras.Input((3,), name="a")
    single = keras.Model(inp, layers.Dense(1)(inp))
    single.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match=STRUCT + "\nExpected: a\n"):
        single.fit({"a": X, "extra": EXTRA}, Y, epochs=1, verbose=0)
    single.fit({"a": X}, Y, epochs=1, verbose=0)  # no warning (as errors)
    listed = _two_input_model("list", eager=False)
    listed.fit({"a": X, "b": XB, "extra": EXTRA}, Y, epochs=1, verbose=0)
    _two_input_model("dict", eager=False).fit({"b": XB, "a": X}, Y, epochs=1, verbose=0)


class Endless(utils.PyDataset):
    """No length (`num_batches` is None): batch i is rows of block i % 5."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)

    @property
    def num_batches(self):
        return None

    def __getitem__(self, i):
        sl = slice((i % 5) * BS, (i % 5 + 1) * BS)
        return X[sl], Y[sl]


@pytest.mark.parametrize("kwargs", [{}, {"workers": 2, "max_queue_size": 3}])
def test_endless_py_dataset_with_steps_per_epoch_continues_across_epochs(kwargs):
    m = _model()
    seen = _first_rows_per_step(m)
    h = m.fit(Endless(**kwargs), epochs=3, steps_per_epoch=4, verbose=0)
    assert h.epoch == [0, 1, 2] and h.params["steps"] == 4
    assert seen == [i % 5 for i in range(12)]  # 0..11, never restarted
    assert _no_loader_left()


class SelfInterrupting(Rows):
    """Delivers Ctrl-C (SIGINT) to the training process while loading batch 1."""

    def __init__(self, parent_pid, **kwargs):
        super().__init__(n_batches=5, **kwargs)
        self.parent_pid = parent_pid

    def __getitem__(self, i):
        if i == 1:
            os.kill(self.parent_pid, signal.SIGINT)
        return super().__getitem__(i)


@pytest.mark.parametrize("multiprocess", [False, True])
def test_ctrl_c_while_workers_load_leaves_no_worker(multiprocess):
    ds = SelfInterrupting(os.getpid(), workers=2, use_multiprocessing=multiprocess)
    with pytest.raises(KeyboardInterrupt):
        _model().fit(ds, epochs=50, verbose=0)
    assert _no_loader_left()


def test_validation_py_dataset_restarts_for_each_validation_run():
    val = Rows()
    _model().fit(X, Y, epochs=3, validation_data=val, validation_steps=2, verbose=0)
    assert val.read == [0, 1] * 3


_EXIT_SCRIPT = """
import numpy as np
import pyfastfit as keras

class Rows(keras.utils.PyDataset):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
    def __len__(self):
        return 4
    def __getitem__(self, i):
        if i == 3 and self.workers == 3:
            raise ValueError("worker failure in batch 3")
        return np.ones((4, 3), "float32") * i, np.ones((4, 1), "float32")

model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
model.compile(optimizer="sgd", loss="mse")
model.fit(Rows(workers=2), epochs=2, verbose=0)
model.fit(Rows(workers=2, use_multiprocessing=True), epochs=2, verbose=0)
print("trained", flush=True)
model.fit(Rows(workers=3, use_multiprocessing=True), epochs=2, verbose=0)
"""


def test_the_process_exits_after_fit_with_workers_even_on_an_uncaught_error():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", _EXIT_SCRIPT], capture_output=True,
                            text=True, timeout=120)  # a hang fails here
    assert result.stdout == "trained\n"
    assert result.returncode == 1
    assert "ValueError: worker failure in batch 3" in result.stderr
    assert "in __getitem__" in result.stderr  # the worker's traceback
