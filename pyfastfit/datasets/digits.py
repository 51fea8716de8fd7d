"""The UCI 8x8 handwritten digits, bundled inside the package (no download)."""

import gzip
import hashlib
import io
import pathlib

import numpy as np

DATA_FILE = pathlib.Path(__file__).with_name("data") / "digits.csv.gz"
SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"
NUM_SAMPLES = 1797


def _read_verified(path):
    raw = pathlib.Path(path).read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256:
        raise ValueError(
            f"The bundled digits file {path} is corrupt: sha256 {digest}, "
            f"expected {SHA256}. Reinstall pyfastfit."
        )
    return raw


def load_data(test_split=0.2, seed=113, split=True):
    """Loads the UCI 8x8 handwritten digits dataset (1,797 images, 10 classes).

    The data ships inside the package (`pyfastfit/datasets/data/digits.csv.gz`, CC BY 4.0,
    E. Alpaydin and C. Kaynak, UCI 1998); its sha256 is checked on every load.

    Args:
        test_split: fraction of the samples held out for testing, taken after a random
            permutation. Defaults to `0.2`.
        seed: seed of that permutation, so the split is reproducible. Defaults to `113`.
        split: if `False`, returns the full arrays `(x, y)` in file order instead.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: `x` is uint8 of shape `(n, 8, 8)` with
        pixel values 0..16 (divide by 16 to scale to [0, 1]); `y` is uint8 of shape `(n,)`
        with labels 0..9. With `split=False`, `(x, y)` of all 1,797 samples.

    Example:

    ```python
    (x_train, y_train), (x_test, y_test) = pyfastfit.datasets.digits.load_data()
    x_train = x_train.reshape(-1, 64).astype("float32") / 16
    ```
    """
    if not 0.0 <= float(test_split) < 1.0:
        raise ValueError(
            f"`test_split` must be in [0, 1). Received: test_split={test_split}"
        )
    raw = _read_verified(DATA_FILE)
    with gzip.open(io.BytesIO(raw), "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.uint8)
    x = np.ascontiguousarray(table[:, :64]).reshape(-1, 8, 8)
    y = np.ascontiguousarray(table[:, 64])
    if not split:
        return x, y
    perm = np.random.default_rng(seed).permutation(len(x))
    n_test = int(round(len(x) * float(test_split)))
    test, train = perm[:n_test], perm[n_test:]
    return (x[train], y[train]), (x[test], y[test])
