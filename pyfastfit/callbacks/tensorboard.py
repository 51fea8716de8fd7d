"""TensorBoard: scalars and weight histograms in event files, without TensorFlow."""

import os
import time

import numpy as np

from pyfastfit.callbacks.callback import Callback
from pyfastfit.callbacks.event_file import EventFileWriter


class TensorBoard(Callback):
    """Writes the training logs (and weight histograms) for TensorBoard.

    Layout and tags as Keras 3: `log_dir/train` and `log_dir/validation` hold
    `epoch_loss`, `epoch_<metric>`, `epoch_learning_rate` (train), and
    `evaluation_<metric>_vs_iterations` (validation, at the optimizer's iteration);
    with `update_freq=N` (or `"batch"`, N = 1) `batch_<metric>` every N steps;
    `histogram_freq=N` writes `<weight path>/histogram` every N epochs. The event
    files are written by pyfastfit's own writer (`callbacks.event_file`), so neither
    TensorFlow nor the `tensorboard` package is needed to produce them.

    Args:
        log_dir: the root log directory. Defaults to `"logs"`.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model's config (tag `keras`, step 0, in `train`) for
            TensorBoard's graph view, as Keras does for Sequential and Functional
            models. (TensorFlow's op graph does not exist here.)
        write_images, embeddings_metadata: accepted for compatibility; weight
            images are not written.
        profile_batch, embeddings_freq: must be 0 (profiling and embedding
            projections are not available).
        write_steps_per_second: also log `steps_per_second` (and
            `batch_steps_per_second` with a batch-level `update_freq`).
        update_freq: `"epoch"`, `"batch"` or an int N (write batch logs every N
            steps; the fast path then runs N steps per Python call).

    Example:

    ```python
    tensorboard_callback = keras.callbacks.TensorBoard(log_dir="./logs")
    model.fit(x_train, y_train, epochs=2, callbacks=[tensorboard_callback])
    # Then run: tensorboard --logdir=./logs
    ```
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True,
                 write_images=False, write_steps_per_second=False, update_freq="epoch",
                 profile_batch=0, embeddings_freq=0, embeddings_metadata=None):
        super().__init__()
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(
                update_freq, int) or update_freq < 1):
            raise ValueError("`update_freq` must be 'epoch', 'batch' or a positive "
                             f"integer. Received: update_freq={update_freq!r}")
        if not isinstance(histogram_freq, int) or histogram_freq < 0:
            raise ValueError("`histogram_freq` must be a non-negative integer. "
                             f"Received: histogram_freq={histogram_freq!r}")
        if profile_batch:
            raise ValueError("Profiling is not available in pyfastfit. Received: "
                             f"profile_batch={profile_batch} (must be 0)")
        if embeddings_freq:
            raise ValueError("Embedding projections are not available in pyfastfit. "
                             f"Received: embeddings_freq={embeddings_freq} (must be 0)")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.write_images = write_images
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = update_freq
        self.embeddings_freq = embeddings_freq
        self.embeddings_metadata = embeddings_metadata
        self._writers = {}
        self._global_train_batch = 0
        self._epoch_base = 0
        self._chunk_start = None
        self._chunk_first = 0

    def set_model(self, model):
        super().set_model(model)
        self._train_dir = os.path.join(self.log_dir, "train")
        self._val_dir = os.path.join(self.log_dir, "validation")
        self._close_writers()
        if self.write_graph and type(model).__name__ in ("Functional", "Sequential"):
            try:
                config = model.to_json()
            except (AttributeError, TypeError, ValueError, NotImplementedError):
                return  # a model that cannot be serialized has no graph to show
            w = self._writer("train")
            w.add_keras_model("keras", config, step=0)
            w.flush()

    def _writer(self, which):
        # Created lazily, as Keras: no empty event files for unused directories.
        w = self._writers.get(which)
        if w is None or w.closed:
            w = EventFileWriter(self._train_dir if which == "train" else self._val_dir)
            self._writers[which] = w
        return w

    def _close_writers(self):
        for w in self._writers.values():
            w.close()
        self._writers = {}

    # ---- the fast path's pacing: batch hooks only every `update_freq` steps
    def _wants_batch_hooks(self, kind):
        return kind == "train" and self.update_freq != "epoch"

    def _steps_to_next_batch_hook(self, kind):
        return self.update_freq - self._global_train_batch % self.update_freq

    # ---- hooks
    def on_train_begin(self, logs=None):
        self._global_train_batch = 0
        self._epoch_base = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_base = self._global_train_batch
        self._epoch_start_time = time.perf_counter()
        self._epoch_start_iterations = self._iterations()

    def on_train_batch_begin(self, batch, logs=None):
        self._chunk_start = time.perf_counter()
        self._chunk_first = self._epoch_base + batch

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch":
            return
        # Counted from the batch index, so grouped calls (steps_per_execution, the
        # fast path's chunks) give the same global steps as per-batch calls.
        self._global_train_batch = self._epoch_base + batch + 1
        step = self._global_train_batch
        if step % self.update_freq:
            return
        w = self._writer("train")
        if self.write_steps_per_second and self._chunk_start is not None:
            elapsed = time.perf_counter() - self._chunk_start
            n = max(1, step - self._chunk_first)
            if elapsed > 0:
                w.add_scalar("batch_steps_per_second", n / elapsed, step)
        for name, value in (logs or {}).items():
            if _is_scalar(value):
                w.add_scalar(f"batch_{name}", value, step)

    def on_test_end(self, logs=None):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not hasattr(optimizer, "iterations"):
            return
        w = self._writer("val")
        step = self._iterations()
        for name, value in (logs or {}).items():
            if _is_scalar(value):
                w.add_scalar(f"evaluation_{name}_vs_iterations", value, step)
        w.flush()

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, logs or {})
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)

    def _iterations(self):
        optimizer = getattr(self.model, "optimizer", None)
        it = getattr(optimizer, "iterations", None)
        return 0 if it is None else int(np.asarray(it))

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(np.asarray(optimizer.learning_rate))
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = self._iterations() - self._epoch_start_iterations
            train["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for which, values in (("train", train), ("val", val)):
            if values:
                w = self._writer(which)
                for name, value in values.items():
                    if _is_scalar(value):
                        w.add_scalar(f"epoch_{name}", value, epoch)
                w.flush()

    def _log_weights(self, epoch):
        w = self._writer("train")
        for layer in getattr(self.model, "layers", None) or []:
            for weight in layer.weights:
                name = getattr(weight, "path", None) or weight.name
                w.add_histogram(f"{name.replace(':', '_')}/histogram",
                                np.asarray(weight), epoch)
        w.flush()


def _is_scalar(value):
    return isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(
        value, bool)
