"""mnist.load_data on local files only (a small npz, and the shared real test set)."""

import gzip
import hashlib

import numpy as np
import pytest

from pyfastfit.datasets import mnist


def _write_npz(path, n_train=6, n_test=4):
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, n_train, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    np.savez(path, **arrays)
    return arrays, hashlib.sha256(path.read_bytes()).hexdigest()


def test_defaults_are_the_keras_file():
    assert mnist.ORIGIN == "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
    assert mnist.SHA256 == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"


def test_load_data_downloads_checks_and_caches(tmp_path):
    src = tmp_path / "remote.npz"
    arrays, sha = _write_npz(src)
    cache = tmp_path / "cache"
    (x_train, y_train), (x_test, y_test) = mnist.load_data(
        origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    assert (cache / "datasets" / "mnist.npz").exists()
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    assert x_train.dtype == np.uint8 and x_test.shape == (4, 28, 28) and y_train.shape == (6,)
    src.unlink()
    (x2, _), _ = mnist.load_data(origin=src.as_uri(), file_hash=sha, cache_dir=cache)
    np.testing.assert_array_equal(x2, arrays["x_train"])


def test_preplaced_file_in_pyfastfit_home_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("PYFASTFIT_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    arrays, sha = _write_npz(tmp_path / "datasets" / "mnist.npz")
    (_, _), (x_test, _) = mnist.load_data(origin="https://invalid.invalid/m.npz",
                                          file_hash=sha)
    np.testing.assert_array_equal(x_test, arrays["x_test"])


def test_checksum_mismatch_leaves_no_file(tmp_path):
    src = tmp_path / "remote.npz"
    _write_npz(src)
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="sha256"):
        mnist.load_data(origin=src.as_uri(), cache_dir=cache)  # the real MNIST hash
    assert list((cache / "datasets").iterdir()) == []


def test_offline_error_is_clear(tmp_path):
    with pytest.raises(OSError, match="Could not download mnist.npz"):
        mnist.load_data(origin=(tmp_path / "absent.npz").as_uri(), cache_dir=tmp_path)


def _read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = np.frombuffer(raw, ">u4", ndim, 4).astype(int)
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def test_real_mnist_test_set_round_trip(tmp_path, mnist_dir):
    x = _read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz")
    y = _read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    src = tmp_path / "mnist_local.npz"
    np.savez(src, x_train=x[:8000], y_train=y[:8000], x_test=x[8000:], y_test=y[8000:])
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    (x_train, y_train), (x_test, y_test) = mnist.load_data(
        origin=src.as_uri(), file_hash=sha, cache_dir=tmp_path / "cache")
    assert x_train.shape == (8000, 28, 28) and x_test.shape == (2000, 28, 28)
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
