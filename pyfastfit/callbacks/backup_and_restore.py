"""BackupAndRestore: resume a killed `fit` from its last backup."""

import contextlib
import glob
import json
import os
import shutil

from pyfastfit.callbacks.batch_counter import BatchCounter
from pyfastfit.callbacks.callback import Callback

_META = "training_metadata.json"


def _write_json_atomically(path, obj):
    from pyfastfit.saving.file_io import atomic_write

    with atomic_write(path, "w") as f:
        f.write(json.dumps(obj))


class BackupAndRestore(Callback):
    """Backs up the training state so that a `fit` interrupted at any moment (even
    by SIGKILL) resumes, when the same script runs again, from the last backup.

    A backup holds the weights, the optimizer state (`iterations` included), the
    epoch and the step reached in it. Restoring them at `on_train_begin` makes the
    resumed `fit` continue at that step, so that with the same data order
    (`shuffle=False`) and no randomness in the model it ends with the weights an
    uninterrupted run would have. (Keras 3 restarts the interrupted epoch from its
    first batch; pyfastfit continues after the last backed-up batch.) Each backup is
    a new weights file written atomically, and `training_metadata.json`, replaced
    atomically afterwards, names it: a kill during a backup leaves the previous one.
    The metrics of a resumed epoch cover only the steps run after resuming.

    Args:
        backup_dir: directory holding the backup (created when needed).
        save_freq: `"epoch"` or an int number of batches between backups (on the
            fast path the C++ loop then runs `save_freq` steps per call).
        double_checkpoint: keep the previous backup too, used when the latest
            cannot be read.
        delete_checkpoint: delete `backup_dir` when training ends normally.

    Example:

    ```python
    callback = keras.callbacks.BackupAndRestore(backup_dir="/tmp/backup")
    model.fit(x, y, epochs=10, callbacks=[callback])  # rerun after a crash: resumes
    ```
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. Received: "
                             f"save_freq={save_freq}. Expected either 'epoch' or an "
                             "integer value.")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._counter = BatchCounter(save_freq if save_freq != "epoch" else 1)
        self._current_epoch = 0
        self._save_count = 0
        self._meta_path = os.path.join(self.backup_dir, _META)
        self._prev_meta_path = self._meta_path + ".bkp"

    # Read by the fast path (see ModelCheckpoint).
    def _wants_batch_hooks(self, kind):
        return kind == "train" and self.save_freq != "epoch"

    def _steps_to_next_batch_hook(self, kind):
        return self._counter.steps_to_next()

    # ---- restore
    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(
                "To use the BackupAndRestore callback, you model must be built before "
                f"you call `fit()`. Model {self.model} is unbuilt. You can build it "
                "beforehand by calling it on a batch of data.")
        candidates = [self._meta_path]
        if self.double_checkpoint:
            candidates.append(self._prev_meta_path)
        candidates = [p for p in candidates if os.path.exists(p)]
        for i, meta_path in enumerate(candidates):
            try:
                self._restore(meta_path)
                return
            except (OSError, ValueError, KeyError):
                if i == len(candidates) - 1:
                    raise  # no older backup to fall back to

    def _restore(self, meta_path):
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
        weights = os.path.join(self.backup_dir, meta["weights"])
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and not getattr(optimizer, "built", True):
            optimizer.build(self.model.trainable_weights)  # slots must exist to load
        self.model.load_weights(weights)
        self._save_count = int(meta.get("count", 0))
        epoch, step = int(meta["epoch"]), int(meta.get("step", 0))
        # Read by fit() right after on_train_begin.
        object.__setattr__(self.model, "_initial_epoch", epoch)
        object.__setattr__(self.model, "_initial_step", step)
        self._current_epoch = epoch

    # ---- back up
    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch
        self._counter.new_epoch()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch" and self._counter.due(batch):
            steps = (self.params or {}).get("steps")
            if steps is not None and batch + 1 >= steps:
                self._save(self._current_epoch + 1, 0)
            else:
                self._save(self._current_epoch, batch + 1)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch + 1, 0)

    def _save(self, epoch, step):
        os.makedirs(self.backup_dir, exist_ok=True)
        self._save_count += 1
        name = f"backup-{self._save_count}.weights.h5"
        self.model.save_weights(os.path.join(self.backup_dir, name), overwrite=True)
        if self.double_checkpoint and os.path.exists(self._meta_path):
            shutil.copyfile(self._meta_path, self._prev_meta_path + ".tmp")
            os.replace(self._prev_meta_path + ".tmp", self._prev_meta_path)
        _write_json_atomically(self._meta_path, {"epoch": epoch, "step": step,
                                                 "weights": name,
                                                 "count": self._save_count})
        self._prune(keep={name} | self._referenced(self._prev_meta_path))

    def _referenced(self, meta_path):
        if not self.double_checkpoint or not os.path.exists(meta_path):
            return set()
        try:
            with open(meta_path, encoding="utf-8") as f:
                return {json.load(f)["weights"]}
        except (OSError, ValueError, KeyError):
            return set()

    def _prune(self, keep):
        # Also temporary files of a backup killed while being written.
        for path in (glob.glob(os.path.join(self.backup_dir, "backup-*.weights.h5"))
                     + glob.glob(os.path.join(self.backup_dir, ".backup-*.tmp"))):
            if os.path.basename(path) not in keep:
                with contextlib.suppress(OSError):
                    os.unlink(path)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)
