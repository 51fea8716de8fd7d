"""TerminateOnNaN: stop training at the first NaN or infinite loss."""

import numpy as np

from pyfastfit.callbacks.callback import Callback
from pyfastfit.utils.progbar import print_msg


class TerminateOnNaN(Callback):
    """Stops training when a batch's loss is NaN or infinite.

    On the fast path the C++ loop itself stops at the first non-finite loss (no
    Python call per step); on the eager path `on_batch_end` checks each batch.

    Args:
        raise_error: raise a `RuntimeError` instead of setting
            `model.stop_training`.

    Example:

    ```python
    model.fit(x, y, callbacks=[keras.callbacks.TerminateOnNaN()])
    ```
    """

    # Read by the fast path: the Program stops itself at a non-finite loss.
    _fast_path_nan_stop = True

    def __init__(self, raise_error=False):
        super().__init__()
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or np.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. "
                               f"Loss value: {loss}. Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
