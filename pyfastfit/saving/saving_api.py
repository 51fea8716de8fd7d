"""Public saving entry points: `save_model`, `load_model`, `save_weights`,
`load_weights`, with Keras 3's file-name rules."""

import os
import zipfile

from pyfastfit.saving import file_io, legacy_h5, saving_lib, weights_store


def _path(filepath):
    try:
        return os.fspath(filepath)
    except TypeError:
        raise ValueError("`filepath` must be a string or path-like object. "
                         f"Received: filepath={filepath!r}") from None


def _ask_to_overwrite(filepath):
    answer = input(f"[WARNING] {filepath} already exists - overwrite? [y/n]").strip().lower()
    while answer not in ("y", "n"):
        answer = input('Enter "y" (overwrite) or "n" (cancel).').strip().lower()
    return answer == "y"


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Saves `model` (architecture, weights, compile state and optimizer state) as a
    Keras 3 `.keras` file. The write is atomic: a crash leaves the previous file intact.

    Args:
        model: the model.
        filepath: a path ending in `.keras`.
        overwrite: `False` asks before replacing an existing file.
        zipped: only `True`/`None` (a zip archive) is supported.

    Example:

    ```python
    model.save("model.keras")
    model = keras.saving.load_model("model.keras")
    ```
    """
    if kwargs:
        raise ValueError(f"The following argument(s) are not supported: {list(kwargs)}")
    filepath = _path(filepath)
    if zipped is False:
        raise ValueError("Only zipped `.keras` files can be saved. Received: zipped=False")
    if filepath.endswith((".h5", ".hdf5")):
        raise ValueError("Saving to the legacy Keras 2 `.h5` format is not supported; save "
                         f"to a `.keras` file instead. Received: filepath={filepath}")
    if not filepath.endswith(".keras"):
        raise ValueError("Invalid filepath extension for saving. Please add a `.keras` "
                         "extension for the native Keras format. "
                         f"Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath) and not _ask_to_overwrite(filepath):
        return
    saving_lib.save_model(model, filepath)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved as `.keras` (Keras 3 or pyfastfit) or a Keras 2 `.h5` file.

    Args:
        filepath: path of the file.
        custom_objects: dict of names to custom classes/functions used by the model.
        compile: whether to restore the compile state (optimizer, loss, metrics).
        safe_mode: `True` (default) refuses Lambda bytecode and functions outside
            pyfastfit and the registered objects.

    Returns:
        The model.

    Example:

    ```python
    model = keras.models.load_model("model.keras")
    ```
    """
    filepath = _path(filepath)
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError("`custom_objects` must be a dict. "
                        f"Received: custom_objects={custom_objects!r}")
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}. Please ensure the file is "
                         "an accessible `.keras` zip file.")
    if filepath.endswith((".h5", ".hdf5")):
        return legacy_h5.load_model_from_hdf5(filepath, custom_objects, safe_mode)
    if filepath.endswith(".keras") or zipfile.is_zipfile(filepath):
        return saving_lib.load_model(filepath, custom_objects, compile, safe_mode)
    raise ValueError(f"File format not supported: filepath={filepath}. pyfastfit supports "
                     "Keras 3 `.keras` files and legacy Keras 2 `.h5` files.")


def save_weights(model, filepath, overwrite=True):
    """Saves the weights (and optimizer state) to a `.weights.h5` file, atomically."""
    filepath = _path(filepath)
    if not filepath.endswith(".weights.h5"):
        raise ValueError("The filename must end in `.weights.h5`. "
                         f"Received: filepath={filepath}")
    if not overwrite and os.path.exists(filepath) and not _ask_to_overwrite(filepath):
        return
    data = saving_lib.weights_bytes(model)
    with file_io.atomic_write(filepath) as f:
        f.write(data)


def load_weights(model, filepath, skip_mismatch=False):
    """Loads weights saved by `save_weights` or `save` (or a Keras 2 `.h5` file).

    Args:
        model: the model (built).
        filepath: a `.weights.h5`, `.keras` or legacy `.h5` path.
        skip_mismatch: skip layers whose variable count or shapes differ (with a
            warning) instead of raising.
    """
    import h5py

    filepath = _path(filepath)
    if not os.path.exists(filepath):
        raise ValueError(f"File not found: filepath={filepath}.")
    if filepath.endswith(".keras"):
        _, _, data = saving_lib.read_archive(filepath)
        if data is None:
            raise ValueError(f"The file '{filepath}' holds no weights.")
        with saving_lib.open_h5_bytes(data, filepath) as f:
            weights_store.read(model, f, skip_mismatch)
        return
    if not filepath.endswith((".h5", ".hdf5")):
        raise ValueError("File format not supported: the filepath must end in "
                         "`.weights.h5`, `.keras` or `.h5`. "
                         f"Received: filepath={filepath}")
    try:
        f = h5py.File(filepath, "r")
    except (OSError, ValueError) as e:
        raise ValueError(f"'{filepath}' is not a readable HDF5 file ({e}); it may be "
                         "truncated or corrupt.") from e
    with f:
        if not filepath.endswith(".weights.h5") and ("layer_names" in f.attrs or
                                                     "model_weights" in f):
            group = f["model_weights"] if "model_weights" in f else f
            legacy_h5.load_weights_from_hdf5_group(group, model, skip_mismatch)
        else:
            weights_store.read(model, f, skip_mismatch)
