"""Ctrl-C during a fast-path loop and fork() while a fast-path fit runs, each in a
subprocess with a bounded time (issue 9, item 7)."""

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # subprocesses that train for a few seconds

_MODEL = """
import os, signal, threading, time
import numpy as np
import pyfastfit as keras

rng = np.random.default_rng(0)
x = rng.normal(size=(20000, 128)).astype(np.float32)
y = rng.integers(0, 10, size=20000)
m = keras.Sequential([keras.Input((128,)), keras.layers.Dense(1024, activation="relu"),
                      keras.layers.Dense(1024, activation="relu"), keras.layers.Dense(10)])
m.compile("adam", "sparse_categorical_crossentropy")
STEPS = 20000 // 32


# Fits 20 epochs with a SIGINT after 0.3 s; prints "steps N <N not a whole number of
# epochs>". Returns (iterations before, steps done or None if not interrupted).
def fit_interrupted(model):
    start = int(np.asarray(model.optimizer.iterations))
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        model.fit(x, y, batch_size=32, epochs=20, verbose=0)
        print("not interrupted")
        return start, None
    except KeyboardInterrupt:
        done = int(np.asarray(model.optimizer.iterations)) - start
        print("steps", done, done % STEPS != 0)
        assert all(np.isfinite(w).all() for w in model.get_weights())
        return start, done


# The program is usable afterwards (its mutex was released): prints "after N".
def fit_after(model, start):
    model.fit(x[:64], y[:64], batch_size=32, verbose=0)
    print("after", int(np.asarray(model.optimizer.iterations)) - start)
"""


def _run(body, timeout=60):
    code = textwrap.dedent(_MODEL) + textwrap.dedent(body)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def _assert_interrupted_mid_epoch(out):
    lines = out.split("\n")
    assert lines[0].startswith("steps ") and lines[0].endswith(" True"), out
    assert lines[1] == f"after {int(lines[0].split()[1]) + 2}"


def test_ctrl_c_lands_between_steps_of_a_quiet_fit():
    out = _run("""
        m.fit(x[:64], y[:64], batch_size=32, verbose=0)  # build the program first
        assert m.fast_path_reason is None
        # Before the fix the signal landed only when the epoch's one C++ call returned:
        # a whole number of epochs.
        start, done = fit_interrupted(m)
        if done is not None:
            # The loss tracker counted exactly the samples of the steps that ran.
            assert int(np.asarray(m._loss_tracker.count._c)) == 32 * done, done
        fit_after(m, start)
    """)
    _assert_interrupted_mid_epoch(out)


def test_ctrl_c_lands_between_steps_of_a_compiled_train_step():
    # An overridden train_step replays in C++, a quiet epoch's steps in one call.
    out = _run("""
        class Custom(keras.Model):
            def train_step(self, data):
                x, y = data
                with keras.GradientTape() as tape:
                    loss = self.compute_loss(x, y, self(x, training=True))
                grads = tape.gradient(loss, self.trainable_weights)
                self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
                return {"loss": loss}

        inp = keras.Input((128,))
        h = keras.layers.Dense(1024, activation="relu")(inp)
        c = Custom(inp, keras.layers.Dense(10)(keras.layers.Dense(1024, activation="relu")(h)))
        c.compile("adam", "sparse_categorical_crossentropy")
        c.fit(x[:320], y[:320], batch_size=32, verbose=0)  # record the step first
        start, _ = fit_interrupted(c)
        fit_after(c, start)
    """)
    _assert_interrupted_mid_epoch(out)


def test_ctrl_c_interrupts_predict_and_evaluate():
    out = _run("""
        big = np.concatenate([x] * 3)
        for call in (lambda: m.predict(big, batch_size=32, verbose=0),
                     lambda: m.evaluate(big, np.concatenate([y] * 3), verbose=0)):
            threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT)).start()
            try:
                call()
                print("finished")
            except KeyboardInterrupt:
                print("interrupted")
            time.sleep(0.3)
        print(m.predict(x[:3], verbose=0).shape)
    """)
    assert out.split("\n")[-2] == "(3, 10)"
    assert out.count("interrupted") + out.count("finished") == 2


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork()")
def test_fork_while_another_thread_fits_does_not_hang_the_child():
    out = _run("""
        m.fit(x[:64], y[:64], batch_size=32, verbose=0)
        # One quiet epoch is one Program call: the mutex is held for about a second.
        t = threading.Thread(target=lambda: m.fit(x[:8000], y[:8000], batch_size=32,
                                                  verbose=0))
        t.start()
        time.sleep(0.3)  # the thread is inside the Program, holding its mutex
        pid = os.fork()
        if pid == 0:
            m.fit(x[:64], y[:64], batch_size=32, verbose=0)  # same cached Program
            m.predict(x[:8], verbose=0)
            os._exit(7)
        deadline = time.time() + 30
        status = None
        while time.time() < deadline:
            got, st = os.waitpid(pid, os.WNOHANG)
            if got:
                status = os.waitstatus_to_exitcode(st)
                break
            time.sleep(0.05)
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        print("child", status)
        t.join()
    """, timeout=120)
    assert "child 7" in out, out
