"""SwapEMAWeights: evaluate / predict (and save) with the optimizer's EMA weights."""

import numpy as np

from pyfastfit.callbacks.callback import Callback


class SwapEMAWeights(Callback):
    """Swaps the model's weights with the optimizer's moving averages during
    evaluation and prediction (and, with `swap_on_epoch=True`, between epochs so
    that epoch-end callbacks such as `ModelCheckpoint` see the averages).

    The optimizer must be built with `use_ema=True`. Put this callback before
    `ModelCheckpoint` to save the averaged weights.

    Args:
        swap_on_epoch: also swap at the end of each epoch (back at the next start).

    Example:

    ```python
    model.compile(optimizer=keras.optimizers.SGD(use_ema=True), loss="mse")
    model.fit(x, y, validation_data=(xv, yv),
              callbacks=[keras.callbacks.SwapEMAWeights()])
    ```
    """

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_weights_in_model = False

    def _pairs(self):
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if not getattr(optimizer, "use_ema", False) or not hasattr(
                optimizer, "_model_variables_moving_average"):
            raise ValueError("SwapEMAWeights must be used when `use_ema=True` is set on "
                             f"the optimizer. Received: use_ema="
                             f"{getattr(optimizer, 'use_ema', None)}")
        return list(zip(optimizer._trainable_variables,
                        optimizer._model_variables_moving_average))

    def _swap(self):
        for var, average in self._pairs():
            weights = np.array(var.numpy(), copy=True)
            var.assign(average.numpy())
            average.assign(weights)

    def _finalize(self):
        for var, average in self._pairs():
            average.assign(var.numpy())

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch and self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch and not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True
            # fit() ends with finalize_variable_values (weights = averages): give the
            # averages back the swapped-out values so the final weights are the EMA.
            if epoch == self.params["epochs"] - 1:
                self._finalize()

    def on_test_begin(self, logs=None):
        if not self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = True

    def on_test_end(self, logs=None):
        if self._ema_weights_in_model:
            self._swap()
            self._ema_weights_in_model = False

    on_predict_begin = on_test_begin
    on_predict_end = on_test_end
