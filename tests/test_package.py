"""The package surface: fast, silent import; version; every top-level name of API.md."""

import importlib.util
import subprocess
import sys

import pytest

import pyfastfit

TOP_LEVEL = ["Input", "Model", "Sequential", "Layer", "Variable", "GradientTape", "ops",
             "layers", "losses", "metrics", "optimizers", "callbacks", "data", "utils",
             "models", "saving", "datasets", "config", "backend"]
# Subpackages other helpers are still writing: expected to fail only while missing.
_PENDING = ("losses", "metrics", "saving")
NOT_YET = {n: "not on main yet (written by another helper)" for n in _PENDING
           if importlib.util.find_spec(f"pyfastfit.{n}") is None}


def _run(code):
    return subprocess.run([sys.executable, "-X", "importtime", "-c", code],
                          capture_output=True, text=True, check=True)


def test_import_is_silent_and_light():
    result = _run("import pyfastfit")
    assert result.stdout == ""
    modules = [line.split("|")[-1].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")]
    for heavy in ("tensorflow", "torch", "jax", "keras", "h5py", "scipy", "pandas",
                  "urllib.request", "pyfastfit.layers", "pyfastfit.datasets"):
        assert heavy not in modules, f"`import pyfastfit` imported {heavy}"
    # No bound on the import's time here: timings fail on a loaded machine (they did,
    # at 5 s, with 2 cores shared by several builds); which modules load is the
    # deterministic part of "light", and the time is ~0.3 s on an idle machine.


def test_import_opens_no_network_connection():
    code = (
        "import socket\n"
        "def _no(*a, **k): raise AssertionError('network access at import')\n"
        "socket.socket.connect = _no\n"
        "socket.create_connection = _no\n"
        "import pyfastfit, pyfastfit.datasets.mnist, pyfastfit.datasets.digits, "
        "pyfastfit.utils, pyfastfit.data\n"
        "print('ok')\n"
    )
    assert _run(code).stdout == "ok\n"


def test_version():
    assert isinstance(pyfastfit.__version__, str)
    assert pyfastfit.__version__.count(".") >= 2


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[n]))
    if n in NOT_YET else n
    for n in TOP_LEVEL
])
def test_top_level_name_exists(name):
    assert getattr(pyfastfit, name) is not None
    assert name in dir(pyfastfit)


def test_data_utils_datasets_surface():
    from pyfastfit import data, datasets, utils

    assert callable(data.Dataset.from_tensor_slices)
    for name in ("to_categorical", "normalize", "set_random_seed", "PyDataset", "Sequence",
                 "get_file", "plot_model"):
        assert callable(getattr(utils, name)), name
    assert callable(datasets.mnist.load_data) and callable(datasets.digits.load_data)


def test_source_checkout_without_a_build_uses_the_installed_extension(tmp_path):
    # The README runs `pip install . && python -m pytest` from the repository root,
    # where the checkout (no `_C*.so`) shadows the installed package.
    import os
    import pathlib
    import shutil

    pkg = pathlib.Path(pyfastfit.__file__).parent
    shutil.copytree(pkg, tmp_path / "pyfastfit",
                    ignore=shutil.ignore_patterns("_C.*", "__pycache__"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pkg.parent), *sys.path]))
    result = subprocess.run(
        [sys.executable, "-c",
         "import pyfastfit, pyfastfit.core._c as c; from pyfastfit import ops; "
         "print(pyfastfit.__file__); print(float(ops.add(1.0, 2.0)))"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    path, value = result.stdout.split()
    assert pathlib.Path(path).parent == tmp_path / "pyfastfit" and value == "3.0"
