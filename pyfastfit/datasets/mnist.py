"""MNIST handwritten digits (60,000 train + 10,000 test 28x28 images), downloaded once."""

import numpy as np

from pyfastfit.utils.file_utils import get_file

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def load_data(path="mnist.npz", *, origin=ORIGIN, file_hash=SHA256, cache_dir=None):
    """Loads the MNIST dataset, as `keras.datasets.mnist.load_data`.

    The first call downloads `mnist.npz` (11 MB, the file Keras uses) into
    `~/.pyfastfit/datasets/` (or `$PYFASTFIT_HOME/datasets/`) and checks its sha256;
    later calls read the cached copy. Nothing is downloaded at import.

    Args:
        path: file name in the cache (or an absolute path). Defaults to `"mnist.npz"`.
        origin: URL to download from. Defaults to Keras's mirror.
        file_hash: expected sha256 of the file. Defaults to that of Keras's file.
        cache_dir: cache root. Defaults to `$PYFASTFIT_HOME` or `~/.pyfastfit`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: `x` uint8 of shape `(n, 28, 28)` with
        values 0..255, `y` uint8 of shape `(n,)` with labels 0..9 (n = 60,000 / 10,000).

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = pyfastfit.datasets.mnist.load_data()
    x_train = x_train.reshape(-1, 784).astype("float32") / 255
    ```
    """
    fpath = get_file(fname=path, origin=origin, file_hash=file_hash, cache_dir=cache_dir)
    with np.load(fpath, allow_pickle=False) as f:
        x_train, y_train = f["x_train"], f["y_train"]
        x_test, y_test = f["x_test"], f["y_test"]
    return (x_train, y_train), (x_test, y_test)
