"""Trainer: the mixin giving `Model` compile / fit / evaluate / predict.

`fit`, `evaluate` and `predict` normalise the data once (`ArrayDataAdapter`), then hand
each epoch to one method: `_run_train_epoch`, `_run_test_epoch`, `_run_predict_epoch`.
These are the eager (Python) loops calling `train_step` / `test_step` /
`predict_step`; a compiled C++ loop can replace them when `run_eagerly` is False.
"""

import copy
import inspect

from pyfastfit import ops
from pyfastfit.autodiff import GradientTape
from pyfastfit.capture import Function
from pyfastfit.trainers import _tree
from pyfastfit.trainers.arguments import (
    EVAL_COUNTS,
    FIT_COUNTS,
    check_count,
    check_counts,
    quick_predict,
    standardize_rank,
)
from pyfastfit.trainers.compile_utils import CompileLoss, CompileMetrics
from pyfastfit.trainers.data_adapters import (
    ArrayDataAdapter,
    class_weight_to_sample_weights,
    train_validation_split,
    unpack_x_y_sample_weight,
)
from pyfastfit.trainers.epoch_loops import EpochLoops
from pyfastfit.trainers.logs import ordered_metric_names


_COMPUTE_LOSS_HAS_TRAINING = {}  # class -> whether compute_loss takes `training`


def _set(obj, name, value):
    # Bypass Layer.__setattr__ tracking: trainer state must not become layer state.
    object.__setattr__(obj, name, value)


def _batch_size_of(x):
    for leaf in _tree.flatten(x):
        if leaf is not None:
            shape = getattr(leaf, "shape", None)
            return int(shape[0]) if shape else 1
    return 1


_STEP_FUNCTIONS = ("train_function", "test_function", "predict_function")


class Trainer(EpochLoops):
    """Mixin with Keras's training API; `Model` inherits it.

    Example:

    ```python
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    history = model.fit(x, y, batch_size=64, epochs=2, validation_split=0.2)
    ```
    """

    # Class-level defaults so an uncompiled model has the attributes.
    compiled = False
    history = None
    optimizer = None
    loss = None
    stop_training = False
    _run_eagerly = False
    _loss_tracker = None
    _compile_loss = None
    _compile_metrics = None
    _cached_metrics = None
    _tw_cache = None
    _has_extra_losses = None
    _has_added_metrics = None
    train_function = None
    test_function = None
    predict_function = None

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Configures the model for training.

        Args:
            optimizer: name or `Optimizer` instance. Defaults to `"rmsprop"`.
            loss: loss name, `Loss` instance/subclass, function `f(y_true, y_pred)`,
                a list (one per output, `None` skips an output) or a dict by output
                name. May be omitted when the model has `add_loss` losses.
            loss_weights: float, list or dict weighting each output's loss.
            metrics: list of metrics (names, instances, functions), a list of lists
                or a dict by output name. `"accuracy"`/`"acc"` pick the binary,
                categorical or sparse accuracy from the shapes of `y` and the output.
            weighted_metrics: like `metrics`, weighted by `sample_weight`/`class_weight`.
            run_eagerly: `True` always runs the Python loop (never the C++ fast path).
            steps_per_execution: accepted for compatibility (batches per call).
            jit_compile: accepted for compatibility.
            auto_scale_loss: accepted for compatibility.

        Example:

        ```python
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        ```
        """
        from pyfastfit import metrics as metrics_module
        from pyfastfit import optimizers

        opt = optimizers.get(optimizer)
        output_names = self._model_output_names()
        compile_loss = None
        if loss is not None:
            compile_loss = CompileLoss(loss, loss_weights, output_names=output_names)
        elif loss_weights is not None:
            raise ValueError("`loss_weights` was given without a `loss`. Received: "
                             f"loss_weights={loss_weights}")
        compile_metrics = CompileMetrics(metrics, weighted_metrics,
                                         output_names=output_names)
        if int(steps_per_execution) < 1:
            raise ValueError("`steps_per_execution` must be >= 1. Received: "
                             f"steps_per_execution={steps_per_execution}")
        _set(self, "optimizer", opt)
        _set(self, "loss", loss)
        _set(self, "_compile_loss", compile_loss)
        _set(self, "_compile_metrics", compile_metrics)
        _set(self, "_loss_tracker", metrics_module.Mean(name="loss"))
        _set(self, "_run_eagerly", bool(run_eagerly))
        _set(self, "steps_per_execution", int(steps_per_execution))
        _set(self, "jit_compile", jit_compile)
        _set(self, "compiled", True)
        _set(self, "stop_training", False)
        _set(self, "_cached_metrics", None)
        _set(self, "_has_extra_losses", None)
        _set(self, "_has_added_metrics", None)
        _set(self, "_tw_cache", None)
        _set(self, "train_function", None)
        _set(self, "test_function", None)
        _set(self, "predict_function", None)
        _set(self, "_compile_config", dict(
            optimizer=optimizer, loss=loss, loss_weights=loss_weights, metrics=metrics,
            weighted_metrics=weighted_metrics, run_eagerly=run_eagerly,
            steps_per_execution=steps_per_execution, jit_compile=jit_compile))

    def _model_output_names(self):
        names = getattr(self, "output_names", None)
        if names and all(isinstance(n, str) for n in names):
            return list(names)
        return None

    @property
    def fast_path_reason(self):
        """Why `fit`/`evaluate`/`predict` run on the eager path, or None when they run on
        the C++ fast path. After a call it describes that call (data included); before
        any, what the model and its compile settings allow."""
        if "_fast_path_reason" in self.__dict__:
            return self.__dict__["_fast_path_reason"]
        from pyfastfit.trainers.fast_path import loops

        return loops.structural_reason(self, "train" if self.compiled else "predict")

    @property
    def run_eagerly(self):
        """True when fit/evaluate/predict must use the Python (eager) loop."""
        return self._run_eagerly

    @run_eagerly.setter
    def run_eagerly(self, value):
        _set(self, "_run_eagerly", bool(value))
        # The step functions are compiled or not according to it: make them again.
        _set(self, "train_function", None)
        _set(self, "test_function", None)
        _set(self, "predict_function", None)

    @property
    def compiled_loss(self):
        """Compat: `self.compiled_loss(y, y_pred, sample_weight=None,
        regularization_losses=None)` returns the total loss (incl. `model.losses`)
        and updates the `loss` tracker."""
        return self._compiled_loss_compat

    def _compiled_loss_compat(self, y, y_pred, sample_weight=None,
                              regularization_losses=None):
        loss = self.compute_loss(y=y, y_pred=y_pred, sample_weight=sample_weight)
        if self._loss_tracker is not None:
            self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(y_pred))
        return loss

    @property
    def compiled_metrics(self):
        """Compat: the compiled metrics (`update_state(y, y_pred, sample_weight)`)."""
        return self._compile_metrics

    # ------------------------------------------------------------------ metrics
    @property
    def metrics(self):
        """Trackers: `loss`, the compiled metrics, per-output losses, then any
        `add_metric`/layer metrics. All are reset at the start of each epoch."""
        out = []
        if self.compiled:
            if self._loss_tracker is not None:
                out.append(self._loss_tracker)
            if self._compile_metrics is not None:
                out.append(self._compile_metrics)
            if self._compile_loss is not None:
                out.extend(self._compile_loss.metrics)
        seen = {id(m) for m in out}
        for m in self._layer_metrics():
            if id(m) not in seen:
                seen.add(id(m))
                out.append(m)
        return out

    def _layer_metrics(self):
        from pyfastfit import metrics as metrics_module

        metric_cls = getattr(metrics_module, "Metric", ())
        own = list(self.__dict__.get("_metrics", None) or [])
        # Metric objects set as attributes (e.g. `self.loss_tracker = Mean()`).
        own.extend(v for k, v in vars(self).items()
                   if isinstance(v, metric_cls) and k != "_loss_tracker")
        own.extend((self.__dict__.get("_added_metric_trackers") or {}).values())
        layers = []
        flatten = getattr(self, "_flatten_layers", None)
        if flatten is not None:
            try:
                layers = list(flatten(include_self=False))
            except TypeError:
                layers = list(flatten())
        else:
            layers = list(getattr(self, "layers", None) or [])
        for layer in layers:
            if layer is self or isinstance(layer, Trainer):
                continue
            own.extend(getattr(layer, "metrics", None) or [])
        return own

    @property
    def metrics_names(self):
        """Names of the logged values, in the order `evaluate` returns them."""
        names = []
        for m in self.metrics:
            if isinstance(m, CompileMetrics):
                names.extend(m.result_names() if m.built else [])
            else:
                names.append(m.name)
        return ordered_metric_names(self, names)

    def reset_metrics(self):
        """Resets the state of every tracker in `self.metrics`."""
        for m in self.metrics:
            m.reset_state()

    def get_metrics_result(self):
        """The current values of `self.metrics` as a dict (compiled metrics merged)."""
        cached = self._cached_metrics
        if cached is None:
            cached = self.metrics
            _set(self, "_cached_metrics", cached)
        out = {}
        for m in cached:
            r = m.result()
            if isinstance(r, dict):
                out.update(r)
            else:
                out[m.name] = r
        return out

    def _get_metrics_result_or_logs(self, logs):
        metric_logs = self.get_metrics_result()
        if isinstance(logs, dict) and set(logs) == set(metric_logs):
            return metric_logs
        return logs

    # ------------------------------------------------------------------ steps
    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                     training=True):
        """Total loss: the compiled loss plus `self.losses` (add_loss, regularizers).

        Args:
            x: input data (unused by the default implementation).
            y: targets.
            y_pred: model outputs.
            sample_weight: per-sample weights.
            training: whether called from `train_step`.

        Returns:
            A scalar Tensor.
        """
        del x, training
        losses = []
        if self._compile_loss is not None:
            value = self._compile_loss(y, y_pred, sample_weight)
            if value is not None:
                losses.append(value)
        has_extra = self._has_extra_losses
        if has_extra is None or has_extra:
            extra = list(getattr(self, "losses", None) or [])
            if has_extra is None:
                _set(self, "_has_extra_losses", bool(extra))
            for v in extra:
                v = ops.convert_to_tensor(v)
                losses.append(ops.sum(v) if len(v.shape) else v)
        if not losses:
            raise ValueError("No loss to compute. Provide a `loss` argument in "
                             "`compile()`.")
        total = losses[0]
        for v in losses[1:]:
            total = total + v
        return total

    def _compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None,
                      training=True):
        cls = type(self)
        has_training = _COMPUTE_LOSS_HAS_TRAINING.get(cls)
        if has_training is None:
            params = inspect.signature(self.compute_loss).parameters
            has_training = "training" in params or any(
                p.kind is p.VAR_KEYWORD for p in params.values())
            _COMPUTE_LOSS_HAS_TRAINING[cls] = has_training
        if has_training:
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics and returns `get_metrics_result()`."""
        del x
        if self._compile_metrics is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        if self._has_added_metrics is not False:
            self._track_added_metrics()
        return self.get_metrics_result()

    def _track_added_metrics(self):
        """Feeds the values recorded by `add_metric` in the last forward pass into
        `Mean` trackers named after them (logged like any metric)."""
        values = getattr(self, "_added_metric_values", None) or []
        if self._has_added_metrics is None:
            _set(self, "_has_added_metrics", bool(values))
        trackers = self.__dict__.get("_added_metric_trackers")
        for name, value, _ in values:
            if trackers is None:
                trackers = {}
                _set(self, "_added_metric_trackers", trackers)
            tracker = trackers.get(name)
            if tracker is None:
                from pyfastfit import metrics as metrics_module

                tracker = trackers[name] = metrics_module.Mean(name=name)
                _set(self, "_cached_metrics", None)
            tracker.update_state(value)

    def _trainable_for_step(self):
        tw = self._tw_cache
        if tw is None:
            tw = list(self.trainable_weights)
            if tw:
                _set(self, "_tw_cache", tw)
        return tw

    def train_step(self, data):
        """One training step on a batch `(x,)`, `(x, y)` or `(x, y, sample_weight)`.

        Runs the forward pass under a `GradientTape`, `compute_loss`, the gradient
        over `trainable_weights`, `optimizer.apply`, and returns `compute_metrics`.
        """
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        with GradientTape() as tape:
            y_pred = self(x, training=True)
            loss = self._compute_loss(x=x, y=y, y_pred=y_pred,
                                      sample_weight=sample_weight, training=True)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        trainable = self._trainable_for_step()
        if trainable:
            grads = tape.gradient(loss, trainable)
            self.optimizer.apply(grads, trainable)
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def test_step(self, data):
        """One evaluation step: forward (inference mode), loss and metrics."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight,
                                  training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size_of(x))
        return self.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    def predict_step(self, data):
        """One prediction step: returns `self(x, training=False)`."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def __deepcopy__(self, memo):
        # A copy shares no compiled state: the C++ Programs and recorded step functions
        # hold this model's buffers, so the copy builds its own on first use.
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        for key, value in self.__dict__.items():
            if key == "_fast_programs":
                continue
            new.__dict__[key] = None if key in _STEP_FUNCTIONS else copy.deepcopy(value, memo)
        return new

    def _compiled(self, step):
        """`step` (a bound step method) for the eager loops: wrapped in
        `pyfastfit.function` unless `run_eagerly` (Keras compiles the step itself, so
        an overridden `train_step` needs no decorator)."""
        if self.run_eagerly or isinstance(step, Function):
            return step
        return Function(step)

    def make_train_function(self, force=False):
        """Sets `self.train_function` (the per-batch callable used by the loops): the
        compiled `train_step`, or `train_step` itself when `run_eagerly`."""
        if self.train_function is None or force:
            _set(self, "train_function", self._compiled(self.train_step))
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            _set(self, "test_function", self._compiled(self.test_step))
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force:
            _set(self, "predict_function", self._compiled(self.predict_step))
        return self.predict_function

    # ------------------------------------------------------------------ entry points
    # Thin wrappers over EpochLoops' loops: argument checks, and predict's one-batch
    # shortcut. The signatures and docstrings are EpochLoops' own.
    def _checked(self, loop, signature, counts, args, kwargs):
        bound = signature.bind(self, *args, **kwargs)
        check_counts(bound.arguments, counts)
        if "x" in bound.arguments:
            bound.arguments["x"] = standardize_rank(self, bound.arguments["x"])
        return loop(*bound.args, **bound.kwargs)

    def fit(self, *args, **kwargs):
        return self._checked(EpochLoops.fit, _FIT_SIGNATURE, FIT_COUNTS, args, kwargs)

    def evaluate(self, *args, **kwargs):
        return self._checked(EpochLoops.evaluate, _EVALUATE_SIGNATURE, EVAL_COUNTS, args,
                             kwargs)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None,
                **kwargs):
        batch_size = check_count("batch_size", batch_size, 1)
        x = standardize_rank(self, x)
        if steps is None and callbacks is None and not kwargs:
            out = quick_predict(self, x, batch_size, verbose)
            if out is not None:
                return out
        return EpochLoops.predict(self, x, batch_size=batch_size, verbose=verbose,
                                  steps=steps, callbacks=callbacks, **kwargs)

    fit.__doc__ = EpochLoops.fit.__doc__
    evaluate.__doc__ = EpochLoops.evaluate.__doc__
    predict.__doc__ = EpochLoops.predict.__doc__

    def _assert_compile_called(self, method_name):
        if not self.compiled:
            raise ValueError(f"You must call `compile()` before calling `{method_name}()`.")


_FIT_SIGNATURE = inspect.signature(EpochLoops.fit)
_EVALUATE_SIGNATURE = inspect.signature(EpochLoops.evaluate)
Trainer.fit.__signature__ = _FIT_SIGNATURE
Trainer.evaluate.__signature__ = _EVALUATE_SIGNATURE
Trainer.predict.__signature__ = inspect.signature(EpochLoops.predict)


__all__ = ["Trainer", "ArrayDataAdapter", "class_weight_to_sample_weights",
           "train_validation_split", "unpack_x_y_sample_weight"]
