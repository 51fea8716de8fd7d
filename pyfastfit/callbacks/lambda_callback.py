"""LambdaCallback: a callback built from plain functions."""

from pyfastfit.callbacks.callback import Callback

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end",
          "on_train_batch_begin", "on_train_batch_end")
_BATCH = {
    "train": ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin",
              "on_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}


class LambdaCallback(Callback):
    """Callback whose hooks are the given functions.

    `on_epoch_begin`/`on_epoch_end` take `(epoch, logs)`, `on_train_batch_*` take
    `(batch, logs)` and `on_train_begin`/`on_train_end` take `(logs)`. Other hooks
    (e.g. `on_test_batch_end=...`) may be passed as keyword arguments.

    Example:

    ```python
    print_batch = keras.callbacks.LambdaCallback(
        on_train_batch_begin=lambda batch, logs: print(batch))
    ```
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        given = dict(zip(_HOOKS, (on_epoch_begin, on_epoch_end, on_train_begin,
                                  on_train_end, on_train_batch_begin,
                                  on_train_batch_end)))
        for name, fn in given.items():
            if fn is not None:
                setattr(self, name, fn)

    def _wants_batch_hooks(self, kind):
        # Hooks set on the instance are invisible to the class-level check.
        return any(name in self.__dict__ for name in _BATCH[kind])
