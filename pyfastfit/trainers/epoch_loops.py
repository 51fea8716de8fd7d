"""fit / evaluate / predict and the *_on_batch helpers (the loops of `Trainer`).

The fast path (trainers/fast_path) plugs in at the seam below. Seam for a compiled
loop: each epoch is one call of `_run_train_epoch(adapter,
callbacks)`, `_run_test_epoch(adapter, callbacks)` or `_run_predict_epoch(adapter,
callbacks)`, where `adapter` is an `ArrayDataAdapter` whose data is already flat
NumPy (`x_flat`, `y_flat`, `sw_flat`, class weights folded in). An implementation
that replaces them must keep the contract documented on each method:

- use it only when `not self.run_eagerly` and the step methods are not overridden;
  datasets/generators come as `IterableDataAdapter` (the fast path takes those whose
  data is a `data.Dataset` of row batches, fast_path/sources.py);
- draw the sample order once per pass from the same RNG stream as the eager pass
  (`adapter.pass_order()`, or the Dataset pipeline's `_row_batches()` order);
- leave the metric state in `self.metrics` (the `loss` tracker weighted by batch size,
  the compiled metrics, the per-output loss trackers) as the eager loop would, since
  `fit`/`evaluate` read the epoch logs from it afterwards;
- call the batch hooks only when `callbacks.has_train_batch_hooks` (etc.) is True, and
  stop when `self.stop_training` / `self.stop_evaluating` is set.
"""

import numpy as np

from pyfastfit.capture import Function
from pyfastfit.trainers import _tree, row_feeder
from pyfastfit.trainers.data_adapters import (
    ArrayDataAdapter,
    IterableDataAdapter,
    class_weight_to_sample_weights,
    is_iterable_data,
    make_adapter,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from pyfastfit.trainers.data_adapters.input_structure import (
    first_batch_shapes,
    warn_unmatched_input_keys,
)
from pyfastfit.trainers.fast_path import loops as fast_loops
from pyfastfit.trainers.logs import flatten_metrics_in_order


def _set(obj, name, value):
    object.__setattr__(obj, name, value)


def _numpy(t):
    return t if isinstance(t, np.ndarray) else np.asarray(t)


def _float_logs(logs):
    from pyfastfit.callbacks.callback_list import pythonify_logs

    return pythonify_logs(logs)


def _should_eval(epoch, validation_freq):
    epoch += 1
    if isinstance(validation_freq, int):
        if validation_freq < 1:
            raise ValueError("`validation_freq` must be a positive integer. Received: "
                             f"validation_freq={validation_freq}")
        return epoch % validation_freq == 0
    if isinstance(validation_freq, (list, tuple, set)):
        return epoch in validation_freq
    raise ValueError("`validation_freq` must be an int or a list of epochs. Received: "
                     f"validation_freq={validation_freq}")


def _check_input_keys(model, x, batch_size, adapter):
    """Keras's warning for dict keys matching no input, once per call: from the
    arrays' shapes, a `data.Dataset`'s batching plan, or else the first batch."""
    if isinstance(x, dict):
        warn_unmatched_input_keys(model, first_batch_shapes(x, batch_size))
        return
    plan = x._row_batches() if hasattr(x, "_row_batches") else None
    if plan is not None:
        element, plan_batch_size = plan[0], plan[1]
        if isinstance(element, (list, tuple)):
            element = element[0] if element else None
        warn_unmatched_input_keys(model, first_batch_shapes(element, plan_batch_size))
    elif isinstance(adapter, IterableDataAdapter):
        adapter.on_first_x = lambda bx: warn_unmatched_input_keys(model, bx)


def _close(adapter):
    close = getattr(adapter, "close", None)
    if close is not None:
        close()


def _make_callbacks(model, callbacks, verbose, epochs, steps, add_history=False):
    from pyfastfit.callbacks import CallbackList

    if isinstance(callbacks, CallbackList):
        return callbacks
    return CallbackList(callbacks, add_history=add_history, add_progbar=verbose != 0,
                        model=model, verbose=verbose, epochs=epochs, steps=steps)


class EpochLoops:
    """fit / evaluate / predict for `Trainer` (see the module docstring)."""

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto",
            callbacks=None, validation_split=0.0, validation_data=None, shuffle=True,
            class_weight=None, sample_weight=None, initial_epoch=0, steps_per_epoch=None,
            validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Trains the model for a fixed number of epochs.

        Args:
            x: the inputs, one of:
                - a NumPy array (or anything with `__array__`: a pyfastfit
                  `Tensor`, a pandas DataFrame/Series), or a list/tuple/dict of
                  them, matched to the model's inputs by position or input name;
                - a `pyfastfit.data.Dataset` yielding `(x, y)` or
                  `(x, y, sample_weight)` batches;
                - a `utils.PyDataset` (`utils.Sequence`) subclass;
                - a Python generator, or any other iterable of batches (a
                  `tf.data.Dataset` or a torch `DataLoader` when those are
                  installed; their tensors are read through `.numpy()`).
                With a dataset, PyDataset or generator, `y` and `sample_weight`
                come from `x` and must not be given.
            y: target array(s), same structures as `x` (by output name for
                dicts); only with array inputs.
            batch_size: samples per gradient update. Defaults to 32.
            epochs: index of the last epoch to train.
            verbose: "auto" (= 1), 0 silent, 1 progress bar, 2 one line per epoch.
            callbacks: list of `Callback` instances.
            validation_split: fraction of the data (the LAST samples, taken before
                shuffling) used for validation.
            validation_data: `(x_val, y_val)` or `(x_val, y_val, val_sample_weight)`.
            shuffle: shuffle the training samples before each epoch (for a
                `PyDataset`: the order of its batches).
            class_weight: `{class_index: weight}` weighting the loss per sample.
            sample_weight: per-sample weights (array, or per output).
            initial_epoch: epoch at which to start (to resume training).
            steps_per_epoch: batches per epoch, drawn continuously across epochs
                (no reset); when a finite dataset or generator runs out first,
                training stops after that epoch with a `UserWarning` ("Your input
                ran out of data").
            validation_steps: batches per validation run.
            validation_batch_size: defaults to `batch_size`.
            validation_freq: run validation every N epochs (int) or at the listed
                epochs (1-based).

        Returns:
            A `History` object (`history.history` maps each log key to its values).

        Example:

        ```python
        history = model.fit(x, y, batch_size=64, epochs=5, validation_split=0.2)
        ```
        """
        self._assert_compile_called("fit")
        if validation_split and validation_data is None:
            (x, y, sample_weight), validation_data = train_validation_split(
                (x, y, sample_weight), validation_split=validation_split)
        val = None
        if validation_data is not None:
            if is_iterable_data(validation_data):
                val = (validation_data, None, None)
            else:
                val = unpack_x_y_sample_weight(validation_data)
        adapter = make_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                               steps=steps_per_epoch, shuffle=shuffle,
                               class_weight=class_weight)
        _check_input_keys(self, x, batch_size, adapter)
        callbacks = _make_callbacks(self, callbacks, verbose, epochs,
                                    adapter.num_batches, add_history=True)
        _set(self, "stop_training", False)
        _set(self, "_cached_metrics", None)
        _set(self, "_tw_cache", None)
        _recheck(self.make_train_function())
        val_adapter = None
        training_logs = {}
        callbacks.on_train_begin()
        callbacks._refresh_batch_flags()
        try:
            # BackupAndRestore (at on_train_begin) sets the epoch and step to resume at.
            resumed = self.__dict__.pop("_initial_epoch", None)
            initial_epoch = initial_epoch if resumed is None else resumed
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callbacks.on_epoch_begin(epoch)
                logs = self._run_train_epoch(adapter, callbacks)
                # The data ran out (a warning was issued): an epoch that got some
                # batches still ends normally, then training stops.
                ran_out = getattr(adapter, "exhausted", False)
                if ran_out and not getattr(adapter, "epoch_steps", 1):
                    break
                epoch_logs = dict(self._get_metrics_result_or_logs(logs))
                if val is not None and _should_eval(epoch, validation_freq):
                    if val_adapter is None:
                        val_adapter = make_adapter(
                            val[0], val[1], sample_weight=val[2],
                            batch_size=validation_batch_size or batch_size,
                            steps=validation_steps, shuffle=False, persist=False)
                        _check_input_keys(self, val[0],
                                          validation_batch_size or batch_size,
                                          val_adapter)
                    val_logs = self._evaluate_adapter(val_adapter, callbacks)
                    epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
                epoch_logs = _float_logs(epoch_logs)
                callbacks.on_epoch_end(epoch, epoch_logs)
                training_logs = epoch_logs
                if self.stop_training or ran_out:
                    break
        finally:  # no loader worker outlives fit, whatever ended it
            _close(adapter)
            _close(val_adapter)
        if epochs > initial_epoch and hasattr(self.optimizer, "finalize_variable_values"):
            self.optimizer.finalize_variable_values(self.trainable_weights)
        self.__dict__.pop("_initial_step", None)
        callbacks.on_train_end(logs=training_logs)
        return self.history

    def _run_train_epoch(self, adapter, callbacks):
        """Runs one training epoch of `adapter.num_batches` batches.

        Calls `callbacks.on_train_batch_begin(step)` / `on_train_batch_end(step,
        logs)` around each batch (each group of `steps_per_execution` batches) when
        `callbacks.has_train_batch_hooks`, and stops
        early when `self.stop_training` becomes True. Metric state accumulates in
        `self.metrics` (reset by the caller before the epoch).

        Returns:
            The last step's logs (a dict; the caller re-reads `self.metrics`).
        """
        prog = fast_loops.get_program(self, adapter, "train")
        if prog is not None:
            return fast_loops.train_epoch(self, prog, adapter, callbacks)
        step_fn = self.train_function or self.make_train_function()
        hooks = callbacks.has_train_batch_hooks
        # As Keras 3, batch hooks run once per `steps_per_execution` steps: begin at a
        # group's first step, end at its last.
        spe = max(1, int(getattr(self, "steps_per_execution", 1) or 1))
        last = getattr(adapter, "num_batches", None)
        last = None if last is None else last - 1
        logs = {}
        steps, call = row_feeder.batches(step_fn, adapter)
        try:
            skip = self.__dict__.pop("_initial_step", 0)  # resuming mid-epoch
            if not hooks:
                return row_feeder.run_all(((s, d) for s, d in steps if s >= skip), call,
                                          lambda: self.stop_training)
            for step, data in steps:
                if step < skip:
                    continue
                if hooks and step % spe == 0:
                    callbacks.on_train_batch_begin(step)
                logs = call(data)
                if hooks and ((step + 1) % spe == 0 or step == last):
                    callbacks.on_train_batch_end(step, logs)
                if self.stop_training:
                    break
        finally:
            _close(adapter)
        return logs

    def _run_test_epoch(self, adapter, callbacks):
        """Runs one evaluation pass (metrics accumulate; caller resets them).

        Returns the last step's logs; stops early when `self.stop_evaluating`.
        """
        prog = fast_loops.get_program(self, adapter, "test")
        if prog is not None:
            return fast_loops.test_epoch(self, prog, adapter, callbacks)
        step_fn = self.test_function or self.make_test_function()
        hooks = callbacks.has_test_batch_hooks
        logs = {}
        steps, call = row_feeder.batches(step_fn, adapter)
        try:
            if not hooks:
                return row_feeder.run_all(steps, call,
                                          lambda: getattr(self, "stop_evaluating", False))
            for step, data in steps:
                if hooks:
                    callbacks.on_test_batch_begin(step)
                logs = call(data)
                if hooks:
                    callbacks.on_test_batch_end(step, logs)
                if getattr(self, "stop_evaluating", False):
                    break
        finally:
            _close(adapter)
        return logs

    def _run_predict_epoch(self, adapter, callbacks):
        """Runs `predict_step` over every batch.

        Returns:
            `(flat_outputs, pack)`: a list (one per output leaf) of lists of NumPy
            batch arrays, and the function rebuilding the output structure from a
            flat list.
        """
        prog = fast_loops.get_program(self, adapter, "predict")
        if prog is not None:
            return fast_loops.predict_epoch(self, prog, adapter, callbacks)
        step_fn = self.predict_function or self.make_predict_function()
        hooks = callbacks.has_predict_batch_hooks
        flat_outputs, pack = None, None
        steps, call = row_feeder.batches(step_fn, adapter)
        try:
            for step, data in steps:
                if hooks:
                    callbacks.on_predict_batch_begin(step)
                out = call(data)
                leaves = [_numpy(t) for t in _tree.flatten(out)]
                if flat_outputs is None:
                    flat_outputs = [[] for _ in leaves]
                    pack = _tree.packer(out)
                for acc, leaf in zip(flat_outputs, leaves):
                    acc.append(leaf)
                if hooks:
                    callbacks.on_predict_batch_end(step, {"outputs": pack(leaves)})
                if getattr(self, "stop_predicting", False):
                    break
        finally:
            _close(adapter)
        return flat_outputs, pack

    def _evaluate_adapter(self, adapter, callbacks):
        """Resets metrics, runs `on_test_begin`, the test epoch, `on_test_end`;
        returns the logs dict (Python floats)."""
        _set(self, "stop_evaluating", False)
        _recheck(self.make_test_function())
        callbacks.on_test_begin()
        self.reset_metrics()
        logs = self._run_test_epoch(adapter, callbacks)
        logs = _float_logs(self._get_metrics_result_or_logs(logs))
        callbacks.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto",
                 sample_weight=None, steps=None, callbacks=None, return_dict=False,
                 **kwargs):
        """Returns the loss and metric values of the model on the given data.

        Args:
            x, y: inputs and targets: arrays (or lists/tuples/dicts of them),
                a `data.Dataset`, a `PyDataset`, a generator or another iterable
                of batches, exactly as `fit` takes them (`y` only with arrays).
            batch_size: defaults to 32.
            verbose: "auto" (= 1), 0 or 1 (progress bar), 2 (one line).
            sample_weight: per-sample weights.
            steps: number of batches to evaluate; a dataset or generator that
                runs out first stops there, with a `UserWarning`.
            callbacks: list of `Callback` instances.
            return_dict: return a `{name: value}` dict instead of a list.

        Returns:
            A scalar (loss only), a list in `metrics_names` order, or a dict.

        Example:

        ```python
        loss, acc = model.evaluate(x_test, y_test, batch_size=128)
        ```
        """
        self._assert_compile_called("evaluate")
        if kwargs:
            raise ValueError(f"Arguments not recognized: {kwargs}")
        adapter = make_adapter(x, y, sample_weight=sample_weight, batch_size=batch_size,
                               steps=steps, shuffle=False, persist=False)
        _check_input_keys(self, x, batch_size, adapter)
        callbacks = _make_callbacks(self, callbacks, verbose, 1, adapter.num_batches)
        _set(self, "_cached_metrics", None)
        logs = self._evaluate_adapter(adapter, callbacks)
        if return_dict:
            return logs
        return flatten_metrics_in_order(self, logs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Generates output predictions for the input samples.

        Args:
            x: the inputs: an array (or a list/tuple/dict of arrays), a
                `data.Dataset`, a `PyDataset`, a generator or another iterable of
                batches (each batch `x`, `(x,)`, `[x]` or `(x, y, ...)`: the
                targets are ignored), as `fit` takes them.
            batch_size: defaults to 32.
            verbose: "auto" (= 1), 0, 1 or 2.
            steps: number of batches to predict; a dataset or generator that
                runs out first stops there, with a `UserWarning`.
            callbacks: list of `Callback` instances.

        Returns:
            NumPy array(s) with the model's output structure, concatenated over
            batches.

        Example:

        ```python
        probs = model.predict(x_test, batch_size=256)
        ```
        """
        adapter = make_adapter(x, batch_size=batch_size, steps=steps, shuffle=False,
                               persist=False)
        _check_input_keys(self, x, batch_size, adapter)
        callbacks = _make_callbacks(self, callbacks, verbose, 1, adapter.num_batches)
        _set(self, "stop_predicting", False)
        _recheck(self.make_predict_function())
        callbacks.on_predict_begin()
        flat_outputs, pack = self._run_predict_epoch(adapter, callbacks)
        callbacks.on_predict_end()
        if flat_outputs is None:
            raise ValueError("Unexpected result of `predict_step`: no batches were "
                             "produced. Make sure `x` is not empty.")
        return pack([np.concatenate(parts, axis=0) if parts[0].ndim else np.stack(parts)
                     for parts in flat_outputs])

    # ------------------------------------------------------------------ on_batch
    def _single_batch(self, x, y=None, sample_weight=None, class_weight=None):
        if class_weight is not None:
            if sample_weight is not None:
                raise ValueError("Arguments `sample_weight` and `class_weight` cannot be "
                                 "specified at the same time. Received: sample_weight="
                                 f"{sample_weight}, class_weight={class_weight}")
            if y is None or _tree.is_nested(y):
                raise ValueError("`class_weight` is only supported for Models with a "
                                 "single output.")
            sample_weight = class_weight_to_sample_weights(_numpy(y), class_weight)
        adapter = ArrayDataAdapter(x, y, sample_weight=sample_weight, shuffle=False)
        adapter.batch_size = max(1, adapter.num_samples)
        return next(adapter.epoch())[1]

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        """Runs one gradient update on a single batch (metrics are reset first, as Keras 3).

        Returns:
            A scalar, a list in `metrics_names` order, or a dict.
        """
        self._assert_compile_called("train_on_batch")
        _set(self, "_cached_metrics", None)
        _set(self, "_tw_cache", None)
        data = self._single_batch(x, y, sample_weight, class_weight)
        self.reset_metrics()
        logs = _float_logs((self.train_function or self.make_train_function())(data))
        if return_dict:
            return logs
        return flatten_metrics_in_order(self, logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluates the model on a single batch (metrics are reset first)."""
        self._assert_compile_called("test_on_batch")
        _set(self, "_cached_metrics", None)
        data = self._single_batch(x, y, sample_weight)
        self.reset_metrics()
        logs = _float_logs((self.test_function or self.make_test_function())(data))
        if return_dict:
            return logs
        return flatten_metrics_in_order(self, logs)

    def predict_on_batch(self, x):
        """Returns predictions (NumPy, output structure) for a single batch."""
        data = self._single_batch(x)
        out = (self.predict_function or self.make_predict_function())(data)
        return _tree.map_structure(lambda t: np.array(t), out)


def _recheck(step_fn):
    # A compiled step replays what it recorded: at the start of fit / evaluate /
    # predict it records once more, so attributes changed since (a Dropout rate) count.
    if isinstance(step_fn, Function):
        step_fn.recheck()
