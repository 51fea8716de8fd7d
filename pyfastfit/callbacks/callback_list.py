"""CallbackList: calls a list of callbacks, adding History and ProgbarLogger."""

from pyfastfit.callbacks.callback import Callback
from pyfastfit.callbacks.history import History
from pyfastfit.callbacks.progbar_logger import ProgbarLogger

_BATCH_HOOKS = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
              "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


def pythonify_logs(logs):
    """Flattens nested dicts and converts values to Python floats (sorted keys, as
    Keras 3 does)."""
    result = {}
    if not logs:
        return result
    for key, value in sorted(logs.items()):
        if isinstance(value, dict):
            result.update(pythonify_logs(value))
        else:
            try:
                value = float(value)
            except (TypeError, ValueError):
                pass
            result[key] = value
    return result


def _overrides(cb, name):
    return getattr(type(cb), name, None) is not getattr(Callback, name)


def _wants_batch_hooks(cb, kind):
    custom = getattr(cb, "_wants_batch_hooks", None)
    if custom is not None:
        return custom(kind)
    return any(_overrides(cb, name) for name in _BATCH_HOOKS[kind])


class CallbackList(Callback):
    """Container calling each callback's hooks in order.

    Args:
        callbacks: list of `Callback` instances.
        add_history: append a `History` if none is given.
        add_progbar: append a `ProgbarLogger` if none is given.
        model: the model the callbacks observe.
        **params: `verbose`, `epochs`, `steps` (set as `callback.params`).
    """

    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None,
                 **params):
        super().__init__()
        self.callbacks = list(callbacks) if callbacks else []
        for cb in self.callbacks:
            if not isinstance(cb, Callback) and not hasattr(cb, "set_model"):
                raise TypeError("`callbacks` must be a list of `Callback` instances. "
                                f"Received: {cb!r}")
        self._history = next((c for c in self.callbacks if isinstance(c, History)), None)
        self._progbar = next((c for c in self.callbacks if isinstance(c, ProgbarLogger)),
                             None)
        if self._history is None and add_history:
            self._history = History()
            self.callbacks.append(self._history)
        if self._progbar is None and add_progbar:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback):
        self.callbacks.append(callback)

    def set_params(self, params):
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)
        self._refresh_batch_flags()

    def set_model(self, model):
        super().set_model(model)
        if self._history is not None:
            object.__setattr__(model, "history", self._history)
        for cb in self.callbacks:
            cb.set_model(model)

    def _refresh_batch_flags(self):
        self.has_train_batch_hooks = any(_wants_batch_hooks(c, "train")
                                         for c in self.callbacks)
        self.has_test_batch_hooks = any(_wants_batch_hooks(c, "test")
                                        for c in self.callbacks)
        self.has_predict_batch_hooks = any(_wants_batch_hooks(c, "predict")
                                           for c in self.callbacks)

    has_train_batch_hooks = True
    has_test_batch_hooks = True
    has_predict_batch_hooks = True

    def _call(self, name, *args, logs=None):
        logs = pythonify_logs(logs)
        for cb in self.callbacks:
            getattr(cb, name)(*args, logs=logs)

    def on_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin", epoch, logs=logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end", epoch, logs=logs)

    def on_train_batch_begin(self, batch, logs=None):
        self._call("on_train_batch_begin", batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self._call("on_train_batch_end", batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._call("on_test_batch_begin", batch, logs=logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call("on_test_batch_end", batch, logs=logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call("on_predict_batch_begin", batch, logs=logs)

    def on_predict_batch_end(self, batch, logs=None):
        # `outputs` stay as they are (structures of arrays).
        logs = dict(logs or {})
        for cb in self.callbacks:
            cb.on_predict_batch_end(batch, logs=logs)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin", logs=logs)

    def on_train_end(self, logs=None):
        self._call("on_train_end", logs=logs)

    def on_test_begin(self, logs=None):
        self._call("on_test_begin", logs=logs)

    def on_test_end(self, logs=None):
        self._call("on_test_end", logs=logs)

    def on_predict_begin(self, logs=None):
        self._call("on_predict_begin", logs=logs)

    def on_predict_end(self, logs=None):
        self._call("on_predict_end", logs=logs)

    def __iter__(self):
        return iter(self.callbacks)
