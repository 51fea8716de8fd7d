"""What library code tells a capture in progress (pyfastfit.function).

A capture records the C++ ops a function runs; Python code runs only while capturing.
Code that keeps per-step state on the Python side uses these hooks so that a replay
stays right: `host_callback` for a value Python computes each step (a learning-rate
schedule's value), `taint` for something a replay cannot reproduce (the capture is
dropped and the function runs eagerly, with the reason kept).
"""

import threading

from pyfastfit.core._c import _C

_Recording = _C.Recording


class _State(threading.local):
    def __init__(self):
        self.callbacks = None  # the capture in progress on this thread: its callbacks
        self.recording = None  # and its _C.Recording


_state = _State()


def is_capturing():
    """True while `pyfastfit.function` records a call on this thread."""
    return _state.callbacks is not None


def taint(reason):
    """Makes the capture in progress unusable (the function then runs eagerly and
    `Function.fallback_reason` says `reason`); does nothing outside a capture."""
    if _state.callbacks is not None:
        _Recording.taint_active(reason)


def host_callback(fn):
    """Runs `fn()` now and, when called during a capture, again before every replay.

    For state Python computes each step and writes into a tensor the ops read (a
    schedule's learning rate). `fn` runs with host access allowed: reading and writing
    tensor data from Python inside it does not invalidate the capture.
    """
    callbacks = _state.callbacks
    if callbacks is None:
        return fn()
    callbacks.append(fn)
    return _run_untracked(fn)


def _run_untracked(fn):
    # Host access inside a callback is the callback's business: it runs again before
    # every replay. Tensor::empty and note_host_access only see the active recording.
    saved, recording = _state.callbacks, _state.recording
    _state.callbacks = _state.recording = None
    recording.pause()
    try:
        return fn()
    finally:
        recording.resume()
        _state.callbacks, _state.recording = saved, recording


class capturing:
    """Context of one capture on this thread: `host_callback`s register with it."""

    def __init__(self, recording):
        self.recording = recording
        self.callbacks = []

    def __enter__(self):
        _state.callbacks, _state.recording = self.callbacks, self.recording
        self.recording.begin()
        return self

    def __exit__(self, *exc):
        _state.callbacks = _state.recording = None
        self.recording.end()
        return False
