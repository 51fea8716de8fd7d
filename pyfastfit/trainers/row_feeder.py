"""Batches of NumPy rows gathered straight into a compiled step's input buffers.

The per-batch loops of fit / evaluate / predict (a model whose step methods are
overridden, or with layers the C++ fast path does not take) call a `pyfastfit.function`
step once per batch. Over an `ArrayDataAdapter`, once the step replays, a batch needs no
NumPy gather, no batch Tensors and no copy into the recording: `Recording.replay_rows`
gathers the batch's rows from the adapter's arrays into the input buffers in one C++
call. Until then (warm-up, recording, eager fallback, a batch size seen first) the loop
makes the batch and calls the step as usual, so the results are the same.
"""

from pyfastfit.capture import Function
from pyfastfit.core._c import _C
from pyfastfit.trainers.data_adapters import ArrayDataAdapter


def batches(step_fn, adapter):
    """`(steps, call)` for one epoch: `for step, item in steps: out = call(item)` runs
    `step_fn` on each batch of `adapter`, through a `RowFeeder` where it can."""
    if isinstance(step_fn, Function) and type(adapter) is ArrayDataAdapter:
        return adapter.batch_plan(), RowFeeder(step_fn, adapter)
    return adapter.epoch(), step_fn


def run_all(steps, call, stop):
    """Runs every batch of `steps` through `call` (both from `batches`) for a loop with
    no batch hooks; returns the last batch's result. Through a `RowFeeder`, each run of
    consecutive batches of one size that replays goes to C++ as one call (no Python
    between its steps); `stop()` is asked after each call."""
    out = {}
    if not isinstance(call, RowFeeder):
        for _, data in steps:
            out = call(data)
            if stop():
                break
        return out
    items = [item for _, item in steps]
    # run[k]: how many batches from k on continue k's run (same pass, same size, next rows).
    run = [1] * len(items)
    for k in range(len(items) - 2, -1, -1):
        (o, lo, hi), (o2, lo2, hi2) = items[k], items[k + 1]
        if o2 is o and lo2 == hi and hi2 - lo2 == hi - lo:
            run[k] = run[k + 1] + 1
    k = 0
    while k < len(items):
        order, lo, hi = items[k]
        many = call.run_many(order, lo, hi - lo, run[k]) if run[k] > 1 else None
        if many is not None:
            out, k = many, k + run[k]
        else:
            out, k = call(items[k]), k + 1
        if stop():
            break
    return out


class RowFeeder:
    """Calls `step_fn` (a `Function`) on the batch `(order, start, stop)` of an
    `ArrayDataAdapter.batch_plan()`, replaying it from the adapter's rows once the
    batch's call signature replays."""

    def __init__(self, step_fn, adapter):
        self._fn = step_fn
        self._adapter = adapter
        # batch size -> (call signature, source tensors in the signature's input
        # order), or None where the batch's leaves are not the adapter's rows as they are.
        self._plans = {}
        self._order = (None, None)  # the pass order (NumPy) and its _C tensor

    def __call__(self, item):
        order, lo, hi = item
        plan = self._plans.get(hi - lo)
        if plan is not None:
            if order is not self._order[0]:
                self._order = (order, None if order is None else _C.from_numpy(order))
            out = self._fn._replay_rows(plan[0], plan[1], lo, self._order[1])
            if out is not None:
                return out
        data, flat = self._adapter._make_batch_flat(
            slice(lo, hi) if order is None else order[lo:hi])
        if plan is None and hi - lo not in self._plans:
            self._plans[hi - lo] = self._plan(data, flat)
        return self._fn(data)

    def run_many(self, order, lo, rows, steps):
        """The last result of `steps` batches of `rows` rows from position `lo` of the
        pass `order`, replayed in one C++ call; None when batches of that size do not
        replay that way now (the caller runs them one by one)."""
        plan = self._plans.get(rows)
        if plan is None:
            return None
        if order is not self._order[0]:
            self._order = (order, None if order is None else _C.from_numpy(order))
        return self._fn._replay_rows(plan[0], plan[1], lo, self._order[1], steps)

    def _plan(self, data, flat):
        key, leaves = self._fn._signature((data,))
        if key is None or len(leaves) != len(flat):
            return None
        a = self._adapter
        arrays = a.x_flat + a.y_flat + a.sw_flat
        position = {id(t._c): i for i, t in enumerate(flat)}
        sources = []
        for leaf in leaves:
            i = position.get(id(leaf))
            if i is None:
                return None
            src = _C.from_numpy(arrays[i])
            # A leaf converted on the way (another dtype) is not the rows as they are.
            if src.dtype != leaf.dtype or tuple(src.shape[1:]) != tuple(leaf.shape[1:]):
                return None
            sources.append(src)
        return key, sources
