"""Writes checkpoint bytes to disk in a background thread (one write at a time)."""

import threading


class BackgroundWriter:
    """Runs `write(path, data)` calls one after another off the training thread.

    The bytes are produced by the caller (a consistent snapshot taken at the hook);
    only the file write, fsync and rename overlap with training, where the GIL is
    released. `wait()` joins the pending write and re-raises its error.
    """

    def __init__(self):
        self._thread = None
        self._error = None

    def submit(self, write, path, data):
        self.wait()

        def run():
            try:
                write(path, data)
            except BaseException as e:  # noqa: BLE001 (re-raised by wait())
                self._error = e

        # Not a daemon: interpreter exit waits for a started write to finish.
        self._thread = threading.Thread(target=run, name="pyfastfit-checkpoint")
        self._thread.start()

    def wait(self):
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error
