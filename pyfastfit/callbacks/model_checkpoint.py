"""ModelCheckpoint: save the model or its weights during training."""

import os
import re
import warnings

import numpy as np

from pyfastfit.callbacks.background_writer import BackgroundWriter
from pyfastfit.callbacks.batch_counter import BatchCounter
from pyfastfit.callbacks.monitor_callback import MonitorCallback
from pyfastfit.utils.progbar import print_msg


class ModelCheckpoint(MonitorCallback):
    """Saves the model (`model.save`) or its weights (`model.save_weights`) at the
    end of every epoch or every `save_freq` batches.

    `filepath` may hold `str.format` fields: `{epoch}` (1-based), `{batch}` (1-based,
    with an int `save_freq`) and any log key, e.g.
    `"weights.{epoch:02d}-{val_loss:.2f}.weights.h5"`. Files are written atomically.
    With `save_weights_only=True` and `verbose=0` the weights are serialized at the
    hook and the file is written by a background thread while training goes on;
    it is complete before the next save and when `fit` returns.

    Args:
        filepath: ending in `.keras` (or `.h5`), or `.weights.h5` with
            `save_weights_only=True`.
        monitor: the log key compared with `save_best_only`. Defaults to
            `"val_loss"`.
        verbose: 1 prints a message at each save.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save only the weights (`.weights.h5`).
        mode: `"auto"`, `"min"` or `"max"`.
        save_freq: `"epoch"` or an int number of batches (on the fast path the C++
            loop then runs `save_freq` steps per call).
        initial_value_threshold: the "best" value to beat at first
            (with `save_best_only`).

    Example:

    ```python
    checkpoint = keras.callbacks.ModelCheckpoint(
        "/tmp/ckpt/checkpoint.model.keras", monitor="val_accuracy", mode="max",
        save_best_only=True)
    model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[checkpoint])
    ```
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq "
                             "are 'epoch' or integer values")
        self._counter = BatchCounter(save_freq if save_freq != "epoch" else 1)
        self._current_epoch = 0
        self._writer = BackgroundWriter()
        if save_weights_only:
            if not self.filepath.endswith(".weights.h5"):
                raise ValueError(
                    "When using `save_weights_only=True` in `ModelCheckpoint`, the "
                    "filepath provided must end in `.weights.h5` (Keras weights "
                    f"format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5")):
            raise ValueError("The filepath provided must end in `.keras` (Keras model "
                             f"format). Received: filepath={self.filepath}")

    # Read by the fast path: batch hooks only for batch-frequency saving, and then
    # one C++ call per `save_freq` steps.
    def _wants_batch_hooks(self, kind):
        return kind == "train" and self.save_freq != "epoch"

    def _steps_to_next_batch_hook(self, kind):
        return self._counter.steps_to_next()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._counter.new_epoch()

    def on_train_end(self, logs=None):
        self._writer.wait()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch" and self._counter.due(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save_model(epoch, None, logs)

    def _should_save(self, epoch, logs, filepath):
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available.",
                          stacklevel=2)
            return True
        if isinstance(current, np.ndarray) and current.ndim > 0:
            warnings.warn("Can save best model only when `monitor` is a scalar value. "
                          f"Received: {current}. Falling back to `save_best_only=False`.",
                          stacklevel=2)
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False

    def _save_model(self, epoch, batch, logs):
        logs = dict(logs or {})
        filepath = self._get_file_path(epoch, batch, logs)
        if os.path.isdir(filepath):
            raise IOError("Please specify a non-directory filepath for ModelCheckpoint. "
                          f"Filepath used is an existing directory: {filepath}")
        if not self._should_save(epoch, logs, filepath):
            return
        dirname = os.path.dirname(filepath)
        if dirname:
            os.makedirs(dirname, exist_ok=True)
        if self.save_weights_only and self.verbose == 0 and self._plain_save_weights():
            self._save_weights_in_background(filepath)
        elif self.save_weights_only:
            self._writer.wait()
            self.model.save_weights(filepath, overwrite=True)
        else:
            self._writer.wait()
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _plain_save_weights(self):
        from pyfastfit.models.model import Model

        return type(self.model).save_weights is Model.save_weights

    def _save_weights_in_background(self, filepath):
        # The bytes are this moment's weights and optimizer state (serialized here,
        # so training cannot change them); only the atomic write runs in a thread.
        from pyfastfit.saving import file_io, saving_lib

        def write(path, data):
            with file_io.atomic_write(path) as f:
                f.write(data)

        self._writer.submit(write, filepath, saving_lib.weights_bytes(self.model))

    def _get_file_path(self, epoch, batch, logs):
        try:
            if batch is None or "batch" in logs:
                return self.filepath.format(epoch=epoch + 1, **logs)
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        except KeyError as e:
            raise KeyError(f'Failed to format this callback filepath: "{self.filepath}". '
                           f"Reason: {e}") from None

    def _get_most_recently_modified_file_matching_pattern(self, pattern):
        """The newest file matching the template `pattern` (ties: the largest name)."""
        dir_name, base = os.path.split(pattern)
        regex = re.compile(f"^{re.sub(r'{.*}', r'.*', base)}$")
        latest, latest_time, n_latest, largest = None, 0.0, 0, None
        if not os.path.isdir(dir_name or "."):
            return None
        for name in os.listdir(dir_name or "."):
            if not regex.match(name):
                continue
            path = os.path.join(dir_name, name)
            mtime = os.path.getmtime(path)
            if largest is None or path > largest:
                largest = path
            if mtime > latest_time:
                latest, latest_time, n_latest = path, mtime, 1
            elif mtime == latest_time:
                n_latest += 1
        return latest if n_latest == 1 else largest
