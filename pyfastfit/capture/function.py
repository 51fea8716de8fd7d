"""`pyfastfit.function`: run a Python function once per call signature while recording its
C++ ops, then replay the recording in C++ for later calls."""

import functools
import threading
import weakref

import numpy as np

from pyfastfit.autodiff import is_recording as _tape_is_recording
from pyfastfit.capture import hooks
from pyfastfit.core._c import _C
from pyfastfit.core.tensor import Tensor, to_c, wrap
from pyfastfit.core.variable import Variable

# New signatures past this many run eagerly (a function called with ever-new Python
# values would otherwise record without end, as tf.function's retracing warning says).
MAX_SIGNATURES = 16

_TENSOR = "T"


_PY_SCALARS = (bool, int, float, str, bytes, type(None))


def _flatten(value, leaves):
    """A hashable description of `value`'s structure and Python values; tensor and
    array leaves are appended to `leaves` and described by shape and dtype only."""
    t = type(value)  # exact types first: this runs on every call
    if t is np.ndarray:
        c = _C.from_numpy(value)
    elif t is Tensor:
        c = value._c
    elif t is tuple:
        return ("tuple", tuple, tuple([_flatten(v, leaves) for v in value]))
    elif t is list:
        return ("list", tuple([_flatten(v, leaves) for v in value]))
    elif t is dict:
        return ("dict", tuple([(k, _flatten(v, leaves)) for k, v in value.items()]))
    elif t in _PY_SCALARS:
        return ("py", t, value)
    elif isinstance(value, (Tensor, np.ndarray, _C.Tensor)) and not isinstance(value, Variable):
        c = to_c(value)
    elif isinstance(value, tuple):
        kind = type(value) if hasattr(value, "_fields") else tuple
        return ("tuple", kind, tuple([_flatten(v, leaves) for v in value]))
    elif isinstance(value, np.generic):
        return ("py", t, value)
    else:
        # Anything else (a model, a Variable, a layer) is identified by the object
        # itself: its state is read where it lives, so the same object replays the same.
        return ("obj", id(value))
    leaves.append(c)
    return (_TENSOR, c.shape, c.dtype)


def _rebuild(spec, original, leaves):
    """`original` with its tensor leaves replaced, in order, by `leaves` (an iterator)."""
    kind = spec[0]
    if kind == _TENSOR:
        return next(leaves)
    if kind == "tuple":
        items = [_rebuild(s, v, leaves) for s, v in zip(spec[2], original)]
        return spec[1](*items) if spec[1] is not tuple else tuple(items)
    if kind == "list":
        return [_rebuild(s, v, leaves) for s, v in zip(spec[1], original)]
    if kind == "dict":
        return {k: _rebuild(s, original[k], leaves) for k, s in spec[1]}
    return original


def _outputs(value, tensors):
    """Like `_flatten` for a result: returns a function rebuilding it from new tensors."""
    if isinstance(value, Tensor) and not isinstance(value, Variable):
        tensors.append(value._c)
        return lambda it: wrap(next(it))
    if isinstance(value, (tuple, list)):
        parts = [_outputs(v, tensors) for v in value]
        if isinstance(value, list):
            return lambda it: [p(it) for p in parts]
        kind = type(value)
        if hasattr(value, "_fields"):
            return lambda it: kind(*[p(it) for p in parts])
        return lambda it: tuple(p(it) for p in parts)
    if isinstance(value, dict):
        parts = {k: _outputs(v, tensors) for k, v in value.items()}
        return lambda it: {k: p(it) for k, p in parts.items()}
    # Python values (and Variables: state, read where it lives) come back as they were.
    return lambda it: value


class _Entry:
    """What one call signature has: a warm-up call, two recordings that must agree,
    then the replay; or the reason it runs eagerly."""

    __slots__ = ("calls", "first", "recording", "callbacks", "rebuild", "reason", "lock",
                 "stale")

    def __init__(self):
        self.calls = 0
        self.first = None  # the first recording's signature, until the second confirms it
        self.recording = None
        self.callbacks = ()
        self.rebuild = None
        self.reason = None
        self.lock = threading.Lock()
        self.stale = False  # set by Function.recheck: record once more and compare


class Function:
    """A Python function whose calls are captured once and replayed in C++ (see
    `function`). Call it as the function; `fallback_reason` says why the last call
    ran eagerly (None when it was captured or replayed)."""

    def __init__(self, python_function, jit_compile=None, reduce_retracing=False):
        if not callable(python_function):
            raise TypeError(
                "`pyfastfit.function` expects a callable. Received: "
                f"python_function={python_function!r}")
        functools.update_wrapper(self, python_function)
        self.python_function = python_function
        self.jit_compile = jit_compile
        self.reduce_retracing = reduce_retracing
        self.fallback_reason = None
        self._entries = {}
        self._bound = weakref.WeakKeyDictionary()
        # (number of arguments, entry): the last replayed signature when its arguments
        # are all tensors or arrays; a call like it skips the signature (see _replay_flat).
        self._flat = None

    def __get__(self, instance, owner=None):
        # A decorated method: one Function per instance, so recordings never mix objects.
        if instance is None:
            return self
        try:
            return self._bound[instance]
        except (KeyError, TypeError):
            pass
        bound = Function(self.python_function.__get__(instance, owner), self.jit_compile,
                         self.reduce_retracing)
        try:
            self._bound[instance] = bound
        except TypeError:
            pass
        return bound

    def __reduce__(self):
        # Copies (copy.deepcopy of a model, pickling) compile afresh: recordings hold
        # buffers of this object's state, never the copy's.
        return (Function, (self.python_function, self.jit_compile, self.reduce_retracing))

    def recheck(self):
        """Makes the next call of each signature record again and compare with its
        recording, replaying again only when both agree. `fit` / `evaluate` /
        `predict` call it when they start, so Python attributes changed between calls
        (a Dropout `rate`, a layer's `trainable`) take effect."""
        for entry in self._entries.values():
            entry.stale = entry.recording is not None

    def __call__(self, *args, **kwargs):
        if hooks.is_capturing():
            return self.python_function(*args, **kwargs)  # inside another capture: inline
        if _tape_is_recording():
            # An outer GradientTape must see the ops; a replay would hide them from it.
            self.fallback_reason = "called inside a recording GradientTape"
            return self.python_function(*args, **kwargs)
        flat = self._flat
        if flat is not None and not kwargs and len(args) == flat[0]:
            result = _replay_flat(flat[1], args)
            if result is not _MISS:
                self.fallback_reason = None
                return result
        leaves = []
        try:
            key = (tuple([_flatten(a, leaves) for a in args]),
                   _flatten(kwargs, leaves) if kwargs else None)
            hash(key)
        except TypeError as e:
            self.fallback_reason = f"an argument is not hashable ({e})"
            return self.python_function(*args, **kwargs)
        entry = self._entries.get(key)
        if entry is None:
            if len(self._entries) >= MAX_SIGNATURES:
                self.fallback_reason = (
                    f"more than {MAX_SIGNATURES} call signatures (shapes, dtypes and Python "
                    "argument values); pass changing values as tensors")
                return self.python_function(*args, **kwargs)
            entry = self._entries[key] = _Entry()
        if entry.reason is not None or not entry.lock.acquire(blocking=False):
            # Another thread is replaying this signature's buffers: run eagerly.
            self.fallback_reason = entry.reason or "another thread is running this capture"
            return self.python_function(*args, **kwargs)
        try:
            return self._call(entry, key, args, kwargs, leaves)
        finally:
            entry.lock.release()

    def _signature(self, args):
        """`(key, leaves)` of a call with positional `args`, as `__call__` computes
        them (None for the key when an argument is not hashable)."""
        leaves = []
        try:
            key = (tuple([_flatten(a, leaves) for a in args]), None)
            hash(key)
        except TypeError:
            return None, leaves
        return key, leaves

    def _replay_rows(self, key, sources, start, order, steps=None):
        """The result of a call with signature `key` whose tensor inputs are rows of
        `sources` (`_C` tensors, one per input in the signature's order: rows
        `order[start:start + n]`, or `start:start + n` when `order` is None), gathered
        straight into the recording's input buffers; None when that signature does not
        replay now (the caller then makes the batch and calls the function). fit's loop
        over NumPy data uses it, so no batch tensor is made and copied per step.

        With `steps`, that many consecutive batches (batch s from position
        `start + s * n`) run in one C++ loop and the last one's result comes back (fit's
        loop without batch hooks: no Python between the steps); a signature with
        per-call Python callbacks then returns None."""
        entry = self._entries.get(key)
        if (entry is None or entry.recording is None or entry.stale or
                entry.reason is not None or hooks.is_capturing() or _tape_is_recording() or
                (steps is not None and entry.callbacks)):
            return None
        if not entry.lock.acquire(blocking=False):
            return None
        try:
            self.fallback_reason = None
            if steps is not None:
                outs = entry.recording.replay_rows_steps(sources, start, order, steps)
            else:
                for callback in entry.callbacks:
                    callback()
                outs = entry.recording.replay_rows(sources, start, order)
            return entry.rebuild(iter(outs))
        finally:
            entry.lock.release()

    def _call(self, entry, key, args, kwargs, leaves):
        self.fallback_reason = None
        if entry.recording is not None and not entry.stale:
            for callback in entry.callbacks:
                callback()
            outs = entry.recording.replay(leaves)
            if not kwargs and not entry.callbacks and all(
                    spec[0] == _TENSOR for spec in key[0]):
                self._flat = (len(args), entry)
            return entry.rebuild(iter(outs))
        entry.calls += 1
        if entry.calls == 1 and entry.recording is None:
            # Warm-up: the first call builds layers and optimizer slots, creates
            # variables and fills caches; none of that may be recorded.
            return self.python_function(*args, **kwargs)
        recording = _C.Recording()
        inputs = [wrap(recording.add_input(c)) for c in leaves]
        it = iter(inputs)
        call_args = [_rebuild(spec, a, it) for spec, a in zip(key[0], args)]
        call_kwargs = _rebuild(key[1], kwargs, it) if kwargs else {}
        with hooks.capturing(recording) as capture:
            result = self.python_function(*call_args, **call_kwargs)
        tensors = []
        rebuild = _outputs(result, tensors)
        reason = recording.taint
        if not reason and entry.first is not None and entry.first != recording.signature:
            reason = _difference(entry.first, recording.signature)
        if reason:
            entry.reason = self.fallback_reason = reason
            entry.first = None
            return result
        recording.set_outputs(tensors)
        if entry.stale:
            entry.stale = False
            if recording.signature != entry.recording.signature:
                # Something changed: the new recording must be confirmed by the next.
                entry.recording, entry.first = None, recording.signature
        elif entry.first is None:
            entry.first = recording.signature
        else:
            entry.recording, entry.callbacks, entry.rebuild = recording, capture.callbacks, rebuild
            entry.first = None
        # The result's buffers are the recording's: the next replay writes them.
        return rebuild(iter([c.clone() for c in tensors]))


_MISS = object()


def _replay_flat(entry, args):
    """The steady state of a function called with tensors or arrays only: `entry`'s
    replay when `args` are all Tensors or NumPy arrays with its recording's shapes and
    dtypes (then their signature is `entry`'s, so computing and looking it up is
    skipped); `_MISS` otherwise (the caller takes the general path)."""
    leaves = []
    for a in args:
        t = type(a)
        if t is Tensor:
            leaves.append(a._c)
        elif t is np.ndarray:
            leaves.append(_C.from_numpy(a))
        else:
            return _MISS
    if entry.recording is None or entry.stale or entry.reason is not None:
        return _MISS
    if not entry.lock.acquire(blocking=False):
        return _MISS
    try:
        outs = entry.recording.try_replay(leaves)
    finally:
        entry.lock.release()
    return _MISS if outs is None else entry.rebuild(iter(outs))


def _difference(first, second):
    a, b = first.splitlines(), second.splitlines()
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return (f"the function ran different ops on two calls with the same signature "
                    f"(Python state or values decide what it does): op {i} was "
                    f"`{x[:120]}`, then `{y[:120]}`")
    return (f"the function ran {len(a)} ops on one call and {len(b)} on the next with the "
            "same signature (Python state decides what it does)")


def function(func=None, *, jit_compile=None, reduce_retracing=False):
    """Compiles a function: its C++ ops are recorded and later calls replay them in C++.

    The counterpart of `tf.function` and `jax.jit` for code written with
    `pyfastfit.ops`, layers, losses, metrics, optimizers and `GradientTape`. Each call
    signature (the shapes and dtypes of tensor and array arguments, the values of
    Python arguments) is run eagerly once as a warm-up (layers build, optimizers create
    their variables), then recorded twice; when both recordings agree, later calls copy
    the new inputs into the recording's buffers and replay its ops without Python.
    Variables (weights, optimizer slots and iterations, metric state) are updated in
    place as the eager call would. As with `tf.function`, Python side effects (prints,
    appends) happen only while recording.

    A call runs eagerly, with the reason in `fallback_reason`, when its code reads
    tensor values in Python (`float(t)`, `t.numpy()`, an `if` on a tensor), when the
    two recordings differ (Python state decides the ops: a step counter kept in
    Python, a new random seed drawn in Python per call), or inside an outer
    `GradientTape`. Returned tensors are new tensors on every call.

    Args:
        func: the function to compile. Used as a decorator without it.
        jit_compile: accepted for `tf.function` compatibility; replay is the compiled
            form on every device this build has.
        reduce_retracing: accepted for `tf.function` compatibility.

    Example:

    ```python
    @pyfastfit.function
    def train_step(x, y):
        with pyfastfit.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_weights)
        optimizer.apply(grads, model.trainable_weights)
        return loss
    ```
    """
    if func is None:
        return lambda f: Function(f, jit_compile, reduce_retracing)
    return Function(func, jit_compile, reduce_retracing)
