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


@pytest.fixture
def mnist_dir():
    """The shared MNIST test-set folder; skips the test when it is absent."""
    d = SHARED_DATA / "mnist"
    if not (d / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"real MNIST data not found at {d} (set PYFASTFIT_SHARED_DATA)")
    return d
