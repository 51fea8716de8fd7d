"""Shared fixtures: fixed seeds, and the location of the shared real-data folder."""

import os
import pathlib

import numpy as np
import pytest

SHARED_DATA = pathlib.Path(
    os.environ.get("PYFASTFIT_SHARED_DATA", pathlib.Path(__file__).resolve().parents[2] / "shared" / "data")
)


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(1234)


@pytest.fixture(autouse=True)
def _restore_fast_path():
    """A test that turns the fast path off (twin runs, fallback checks) cannot leak it."""
    yield
    from pyfastfit import config

    config.set_fast_path_enabled(True)


@pytest.fixture
def mnist_dir():
    """The shared MNIST test-set folder; skips the test when it is absent."""
    d = SHARED_DATA / "mnist"
    if not (d / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST data not found at {d} (set PYFASTFIT_SHARED_DATA)")
    return d
