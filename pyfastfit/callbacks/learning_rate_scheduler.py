"""LearningRateScheduler: set the learning rate from a schedule at each epoch."""

import numpy as np

from pyfastfit.callbacks.callback import Callback
from pyfastfit.callbacks.reduce_lr_on_plateau import current_lr
from pyfastfit.utils.progbar import print_msg


class LearningRateScheduler(Callback):
    """Sets the optimizer's learning rate to `schedule(epoch, lr)` at the start of
    every epoch (and logs it as `learning_rate`).

    Args:
        schedule: function `(epoch, lr) -> new_lr` (epoch is 0-based; a one-argument
            `schedule(epoch)` also works), returning a float.
        verbose: 1 prints a message at each update.

    Example:

    ```python
    def scheduler(epoch, lr):
        return lr if epoch < 10 else lr * 0.9

    callback = keras.callbacks.LearningRateScheduler(scheduler)
    model.fit(x, y, epochs=15, callbacks=[callback])
    ```
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        if not callable(schedule):
            raise ValueError("`schedule` must be a callable `(epoch, lr) -> lr`. "
                             f"Received: schedule={schedule!r}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        try:
            lr = self.schedule(epoch, current_lr(optimizer))
        except TypeError:  # the old one-argument API
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.float32, np.float64)):
            raise ValueError("The output of the `schedule` function should be a float. "
                             f"Got: {lr}")
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning "
                      f"rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = current_lr(self.model.optimizer)
