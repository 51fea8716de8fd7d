"""The fast path's epochs: `fit`/`evaluate`/`predict` passes handed to a C++ Program.

Python is re-entered only where something observes the loop: callbacks overriding a
batch hook (every step, or every `steps_per_execution` steps when training), the
progress bar (about `REFRESH_S` apart) and the end of the pass. Everything else runs
in one `_C.Program` call with the GIL released.
"""

import logging
import threading
import time

import numpy as np

from pyfastfit import config
from pyfastfit.trainers.fast_path import translators
from pyfastfit.trainers.fast_path.graph import Unsupported
from pyfastfit.trainers.fast_path.program import FastProgram
from pyfastfit.trainers.fast_path.sources import source_of

REFRESH_S = 0.1
_log = logging.getLogger("pyfastfit")
_build_lock = threading.Lock()
_STEP_METHODS = ("train_step", "test_step", "predict_step", "compute_loss",
                 "compute_metrics", "make_train_function", "make_test_function",
                 "make_predict_function")


def structural_reason(model, purpose):
    """Why `model` cannot run `purpose` ("train", "test", "predict") on the fast path
    whatever the data, or None."""
    from pyfastfit.layers.layer import Layer
    from pyfastfit.models.functional import Functional
    from pyfastfit.models.sequential import Sequential
    from pyfastfit.trainers.trainer import Trainer

    if not config.is_fast_path_enabled():
        return "the fast path is disabled (pyfastfit.config.set_fast_path_enabled)"
    if getattr(model, "_run_eagerly", False):
        return "compile(run_eagerly=True)"
    if not hasattr(model, "_graph_nodes"):
        return f"{type(model).__name__} is a subclassed model (its call() is Python)"
    cls = type(model)
    if cls.call not in (Functional.call, Sequential.call) or cls.__call__ is not Layer.__call__:
        return f"{cls.__name__} overrides call()"
    for name in _STEP_METHODS:
        if getattr(cls, name) is not getattr(Trainer, name):
            return f"{cls.__name__} overrides {name}()"
    if purpose != "predict" and model._layer_metrics():
        return "the model tracks metrics of its own (add_metric or Metric attributes)"
    if purpose != "predict" and any(layer.__dict__.get("_added") is not None
                                    for layer in model._flatten_layers()):
        return "the model has add_loss/add_metric on symbolic tensors of its graph"
    return None


def _key(model, purpose):
    """What a cached Program depends on: the variables, the layers' settings, and for
    training/evaluation the trainable set and the compiled objects."""
    layers = tuple(translators.layer_key(layer)
                   for layer in model._flatten_layers(include_self=False))
    base = (tuple(id(w) for w in model.weights), layers)
    if purpose == "predict":
        return base
    return (base, tuple(id(w) for w in model.trainable_weights), id(model.optimizer),
            id(model._compile_loss), id(model._compile_metrics))


def _input_shapes(model, arrays):
    """The per-sample shapes of the data's x arrays in `model.inputs` order (they fix
    the dimensions a graph leaves unknown, so a Program is built per shape), or None
    when the arrays do not map onto the inputs (the Program's own check says why)."""
    flat = list(arrays.x_flat)
    to_inputs = getattr(model, "_flatten_inputs", None)
    if to_inputs is not None and len(flat) > 1:
        try:
            flat = to_inputs(arrays._pack_x(flat))
        except ValueError:
            return None
    return tuple(tuple(int(d) for d in np.shape(x)[1:]) for x in flat)


def get_program(model, adapter, purpose):
    """The model's FastProgram for one pass over `adapter`, or None (the reason is
    recorded in `model._fast_path_reason` and logged at debug level)."""
    reason = structural_reason(model, purpose)
    prog = None
    if reason is None:
        try:
            arrays = source_of(adapter, purpose).arrays
            if arrays.num_samples == 0:
                raise Unsupported("the data has no samples")
            if not model.built:
                model.build((None,) + tuple(arrays.x_flat[0].shape[1:]))
            prog = _cached_program(model, arrays, purpose)
            prog.x_arrays(arrays)
            if purpose != "predict":
                prog.targets(arrays)
        except Unsupported as e:
            reason, prog = str(e), None
    object.__setattr__(model, "_fast_path_reason", reason)
    if reason is not None:
        _log.debug("%s runs on the eager path: %s", purpose, reason)
    return prog


def _cached_program(model, adapter, purpose):
    cache = model.__dict__.get("_fast_programs")
    if cache is None:
        cache = {}
        object.__setattr__(model, "_fast_programs", cache)
    shapes = _input_shapes(model, adapter)
    key = (_key(model, purpose), shapes)
    entry = cache.get(purpose)
    if entry is not None and entry[0] == key:
        return entry[1]
    if purpose == "predict":
        test = cache.get("test")
        if test is not None and test[0][0][0] == key[0] and test[0][1] == shapes:
            return test[1]
    with _build_lock:
        y_sample = None
        if purpose != "predict":
            if not adapter.y_flat:
                raise Unsupported("no targets were given")
            y_sample = adapter._pack_y([a[:1] for a in adapter.y_flat])
        prog = FastProgram(model, purpose, y_sample, shapes)
        cache[purpose] = (key, prog)
    return prog


def nan_stoppers(callbacks):
    """The callbacks whose only batch work is stopping at a non-finite training loss:
    their class itself (not a subclass, which may override more) sets
    `_fast_path_nan_stop = True`, as `TerminateOnNaN` does. The Program checks the loss
    of every step for them instead of returning to Python after each one."""
    return [c for c in getattr(callbacks, "callbacks", [])
            if type(c).__dict__.get("_fast_path_nan_stop") is True]


def _observers(callbacks, kind):
    """(progress bar or None, other callbacks wanting `kind` batch hooks)."""
    from pyfastfit.callbacks.callback_list import _wants_batch_hooks

    bar = getattr(callbacks, "_progbar", None)
    if bar is not None and not _wants_batch_hooks(bar, kind):
        bar = None
    skip = nan_stoppers(callbacks) if kind == "train" else []
    others = [c for c in getattr(callbacks, "callbacks", [])
              if c is not bar and c is not getattr(callbacks, "_progbar", None)
              and _wants_batch_hooks(c, kind) and not any(c is k for k in skip)]
    return bar, others


def _pace(others, kind, per_call):
    """When every batch observer paces itself (`_steps_to_next_batch_hook(kind)`: the
    steps until it next needs a hook, e.g. ModelCheckpoint(save_freq=N)), a function
    giving the next chunk's length; else None (hooks after every `per_call` steps).

    Paced observers still get a hook at every chunk's end (the progress bar's
    refreshes and the epoch's last step), so counters kept from the batch indices, as
    Keras's callbacks keep them, stay exact."""
    if per_call > 1 or not others:
        return None
    fns = [getattr(c, "_steps_to_next_batch_hook", None) for c in others]
    if any(f is None for f in fns):
        return None
    return lambda: max(1, min(int(f(kind)) for f in fns))


def _run_chunks(model, callbacks, kind, num_steps, run, logs_of, stop_attr, per_call=1,
                start=0):
    """Calls `run(step, n)` over `num_steps` steps in as few chunks as the observers
    allow (`run` returns how many steps it ran when it stopped early, else None);
    returns the last logs given to a hook (or None)."""
    from pyfastfit.callbacks.callback_list import pythonify_logs

    bar, others = _observers(callbacks, kind)
    begin = getattr(callbacks, f"on_{kind}_batch_begin")
    end = getattr(callbacks, f"on_{kind}_batch_end")
    pace = _pace(others, kind, per_call)
    chunk = (max(1, per_call) if others and pace is None
             else (min(4, num_steps) if bar else num_steps))
    step, logs = start, None  # start > 0: resuming mid-epoch (BackupAndRestore)
    while step < num_steps:
        n = min(chunk, num_steps - step)
        if pace is not None:
            n = min(n, pace())
        if others:
            begin(step)
        t0 = time.perf_counter()
        ran = run(step, n)
        n = n if ran is None else max(1, ran)
        step += n
        if others:
            logs = logs_of(step, n)
            end(step - 1, logs)
            if pace is not None and bar is not None:
                chunk = max(1, int(REFRESH_S / max((time.perf_counter() - t0) / n, 1e-7)))
        elif bar is not None:
            per_step = (time.perf_counter() - t0) / n
            chunk = max(1, int(REFRESH_S / max(per_step, 1e-7)))
            logs = logs_of(step, n)
            getattr(bar, f"on_{kind}_batch_end")(step - 1, pythonify_logs(logs))
        if getattr(model, stop_attr, False):
            break
    return logs


def train_epoch(model, prog, adapter, callbacks):
    """One training epoch through `prog`; metric state ends as the eager loop's."""
    from pyfastfit.core._c import _C

    src = source_of(adapter, "train")
    xs = prog.x_arrays(src.arrays)
    ys, sws = prog.targets(src.arrays)
    order_np = np.ascontiguousarray(src.pass_order(), dtype=np.int64)
    order = _C.from_numpy(order_np)
    # As the eager loop: a batch larger than the data is the whole data (the Program
    # must not size its buffers for 10**12 rows).
    batch = max(1, min(src.batch_size, len(order_np)))
    stoppers = nan_stoppers(callbacks)
    prog.c.stop_on_nonfinite = bool(stoppers)
    # With other batch observers the CallbackList's hook at the chunk's end reaches the
    # stoppers too (the chunk ends at the tripped step); else they are called here.
    hooked = bool(_observers(callbacks, "train")[1])

    def run(step, n):
        lrs = prog.learning_rates(n) if prog.optimizer is not None else [0.0] * n
        counters = [layer._counter for layer in prog.dropouts]
        try:
            prog.c.train(xs, ys, sws, order, step, n, batch, lrs, counters)
        finally:
            # Also after an error mid-call: the steps run so far count, as in eager.
            for layer in prog.dropouts:
                layer._counter += prog.c.last_forwards
            prog.add_sums(prog.c.last_sums)
        stopped = prog.c.nonfinite_step
        if stopped < 0:
            return None
        # The step's hook, as the eager loop would have called it: the callback sets
        # stop_training (or raises) and prints Keras's message.
        if not hooked:
            _nan_hook(stoppers, step + stopped, model.get_metrics_result())
        return stopped + 1

    _run_chunks(model, callbacks, "train", src.num_batches, run,
                lambda step, n: model.get_metrics_result(), "stop_training",
                per_call=getattr(model, "steps_per_execution", 1),
                start=model.__dict__.pop("_initial_step", 0))
    return model.get_metrics_result()


def _nan_hook(stoppers, step, logs):
    from pyfastfit.callbacks.callback_list import pythonify_logs

    logs = pythonify_logs(logs)
    for cb in stoppers:
        cb.on_train_batch_end(step, logs)


def test_epoch(model, prog, adapter, callbacks):
    """One evaluation pass through `prog` (metrics accumulate; the caller resets)."""
    src = source_of(adapter, "test")
    xs = prog.x_arrays(src.arrays)
    ys, sws = prog.targets(src.arrays)
    (first, stop), batch = src.rows, src.batch_size
    batch = max(1, min(batch, stop - first))

    def run(step, n):
        sums = prog.c.evaluate(xs, ys, sws, first + step * batch,
                               min(stop, first + (step + n) * batch), batch)
        prog.add_sums(sums)

    _run_chunks(model, callbacks, "test", src.num_batches, run,
                lambda step, n: model.get_metrics_result(), "stop_evaluating")
    return model.get_metrics_result()


def predict_epoch(model, prog, adapter, callbacks):
    """Predictions for every sample through `prog`: `(flat_outputs, pack)` as
    `EpochLoops._run_predict_epoch` returns them."""
    from pyfastfit.core._c import _C
    from pyfastfit.trainers import _tree

    src = source_of(adapter, "predict")
    arrays = src.arrays
    xs = prog.x_arrays(arrays)
    first, stop = src.rows
    if (first, stop) != (0, arrays.num_samples):  # a dataset's block of rows: views
        xs = [_C.from_numpy(np.asarray(x)[first:stop]) for x in xs]
    n_rows, batch = stop - first, src.batch_size
    batch = max(1, min(batch, n_rows))
    outs = [np.empty((n_rows,) + tuple(s[1:]), np.float32) for s in prog.out_shapes]
    outs_c = [_C.from_numpy(o) for o in outs]
    if prog.pack is None:
        sample = model.predict_step((arrays._pack_x([a[:1] for a in arrays.x_flat]),))
        prog.pack = _tree.packer(sample)
    done = [0]

    def run(step, n):
        end = min(n_rows, (step + n) * batch)
        prog.c.predict(xs, outs_c, step * batch, end, batch)
        done[0] = end

    def logs_of(step, n):
        lo = (step - 1) * batch
        return {"outputs": prog.pack([o[lo:lo + batch] for o in outs])}

    _run_chunks(model, callbacks, "predict", src.num_batches, run, logs_of,
                "stop_predicting")
    return [[o[:done[0]]] for o in outs], prog.pack
