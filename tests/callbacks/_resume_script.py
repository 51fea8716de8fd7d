"""Child process of test_backup_and_restore.py: one `fit` with BackupAndRestore,
optionally killing itself (SIGKILL) at a given global step or during a backup.

Usage: python _resume_script.py BACKUP_DIR OUT_NPZ SAVE_FREQ FAST KILL_AT KILL_MODE
  SAVE_FREQ: "epoch" or an int; FAST: 1 fast path, 0 eager; KILL_AT: global step
  (1-based) at whose end to die, or 0; KILL_MODE: "step" (at the end of step
  KILL_AT) or "backup" (inside the KILL_AT-th backup, after its weights file was
  written to a temporary name and before it replaced anything).
"""

import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__)))))

import numpy as np  # noqa: E402

import pyfastfit as keras  # noqa: E402
from pyfastfit import config  # noqa: E402
from tests.callbacks._cases import fit_data, small_model  # noqa: E402


def main():
    backup_dir, out, save_freq, fast, kill_at, mode = sys.argv[1:7]
    save_freq = save_freq if save_freq == "epoch" else int(save_freq)
    kill_at = int(kill_at)
    config.set_fast_path_enabled(fast == "1")
    (x, y), _ = fit_data()
    m = small_model(keras, keras.optimizers.Adam(0.01))
    callbacks = [keras.callbacks.BackupAndRestore(backup_dir, save_freq=save_freq)]
    if kill_at and mode == "step":
        class Kill(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                if int(np.asarray(self.model.optimizer.iterations)) >= kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)

        callbacks.append(Kill())
    if kill_at and mode == "backup":
        from pyfastfit.saving import file_io

        real_replace, count = os.replace, [0]

        def dying_replace(src, dst):
            if os.path.basename(str(dst)).startswith("backup-"):
                count[0] += 1
                if count[0] == kill_at:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real_replace(src, dst)

        file_io.os.replace = dying_replace
    h = m.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0,
              callbacks=callbacks)
    np.savez(out, *m.get_weights(), iterations=int(np.asarray(m.optimizer.iterations)),
             epochs=np.array(h.epoch))


if __name__ == "__main__":
    main()
