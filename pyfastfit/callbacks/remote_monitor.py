"""RemoteMonitor: POST each epoch's logs to an HTTP server (standard library)."""

import json
import urllib.parse
import warnings

import numpy as np

from pyfastfit.callbacks.callback import Callback


class RemoteMonitor(Callback):
    """Sends `{"epoch": epoch, **logs}` to `root + path` at the end of every epoch.

    The body is form-encoded as `field=<json>` or, with `send_as_json=True`, the JSON
    object itself. An unreachable server gives a warning, not an error.

    Args:
        root: the server's root URL. Defaults to `"http://localhost:9000"`.
        path: the path the events are POSTed to.
        field: the form field holding the JSON (ignored with `send_as_json`).
        headers: optional dict of extra HTTP headers.
        send_as_json: send the body as `application/json`.

    Example:

    ```python
    monitor = keras.callbacks.RemoteMonitor(root="http://127.0.0.1:9000")
    ```
    """

    def __init__(self, root="http://localhost:9000", path="/publish/epoch/end/",
                 field="data", headers=None, send_as_json=False, timeout=10.0):
        super().__init__()
        if not isinstance(root, str) or not root.startswith(("http://", "https://")):
            raise ValueError("`root` must be an http:// or https:// URL. Received: "
                             f"root={root!r}")
        self.root = root
        self.path = path
        self.field = field
        self.headers = headers
        self.send_as_json = send_as_json
        self.timeout = timeout

    def on_epoch_end(self, epoch, logs=None):
        import urllib.error
        import urllib.request  # lazily: it is slow to import and rarely needed

        send = {"epoch": epoch}
        for k, v in (logs or {}).items():
            send[k] = v.item() if isinstance(v, (np.ndarray, np.generic)) else v
        headers = dict(self.headers or {})
        if self.send_as_json:
            body = json.dumps(send).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        else:
            body = urllib.parse.urlencode({self.field: json.dumps(send)}).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        request = urllib.request.Request(self.root + self.path, data=body,
                                         headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError, ValueError):
            warnings.warn(f"Could not reach RemoteMonitor root server at {self.root}",
                          stacklevel=2)
