"""History: records the epoch logs of `fit` (returned by `fit`)."""

from pyfastfit.callbacks.callback import Callback


class History(Callback):
    """Records every epoch's logs in `history.history` (`{key: [per-epoch values]}`).

    Added automatically to every `fit` call and returned by it.

    Example:

    ```python
    history = model.fit(x, y, epochs=3)
    print(history.history["loss"], history.epoch, history.params)
    ```
    """

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        object.__setattr__(self.model, "history", self)
