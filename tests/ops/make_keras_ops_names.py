"""Writes `fixtures/keras_ops_names.json`: the public names of Keras 3's `keras.ops`, per
namespace, that `test_keras_ops_names.py` checks pyfastfit's `ops` against; and
`fixtures/keras_resize.npz`: `keras.ops.image.resize` outputs for `test_image.py`.

Needs Keras 3 (not a pyfastfit dependency). Run once, from the repository root, with the
peers' virtualenv:

    /work/venvs/peers/bin/python tests/ops/make_keras_ops_names.py

Namespaces: "ops" (the flat `keras.ops`), "numpy", "nn", "linalg", "image" (Keras's public
submodules) and "math" (the functions defined in Keras's `ops/math.py`: Keras 3 exports
them flat, pyfastfit also groups them as `ops.math`).
"""

import inspect
import json
import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import keras.src.ops.math as keras_math  # noqa: E402
import numpy as np  # noqa: E402

# (name, resize kwargs) for the images of `resize_input()`; test_image.py reads the same.
RESIZE_CASES = [
    ("down", dict(size=(3, 4))),
    ("up", dict(size=(8, 11))),
    ("down_antialias", dict(size=(3, 4), antialias=True)),
    ("mixed_antialias", dict(size=(2, 9), antialias=True)),
    ("nearest_down", dict(size=(3, 4), interpolation="nearest")),
    ("nearest_mixed", dict(size=(8, 3), interpolation="nearest")),
    ("crop", dict(size=(4, 4), crop_to_aspect_ratio=True)),
    ("pad", dict(size=(4, 4), pad_to_aspect_ratio=True, fill_value=-2.0)),
    ("pad_odd", dict(size=(2, 5), pad_to_aspect_ratio=True, fill_value=1.5)),
    ("crop_wide", dict(size=(2, 6), crop_to_aspect_ratio=True)),
]


def resize_input():
    return (np.arange(2 * 5 * 7 * 2) % 11).reshape(2, 5, 7, 2).astype("float32")


def _public(mod):
    return sorted(n for n in dir(mod) if not n.startswith("_")
                  and not inspect.ismodule(getattr(mod, n)))


def main():
    ops = keras.ops
    names = {"keras_version": keras.__version__, "ops": _public(ops)}
    for sub in ("numpy", "nn", "linalg", "image"):
        names[sub] = _public(getattr(ops, sub))
    names["math"] = sorted(
        n for n, v in vars(keras_math).items()
        if inspect.isfunction(v) and v.__module__ == keras_math.__name__
        and not n.startswith("_") and n in names["ops"])
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures",
                        "keras_ops_names.json")
    with open(path, "w") as f:
        json.dump(names, f, indent=1, sort_keys=True)
        f.write("\n")
    x = resize_input()
    arrays = {name: np.asarray(keras.ops.image.resize(x, **kw)) for name, kw in RESIZE_CASES}
    arrays["channels_first"] = np.asarray(keras.ops.image.resize(
        np.moveaxis(x, -1, 1), (3, 4), data_format="channels_first"))
    arrays["uint8"] = np.asarray(keras.ops.image.resize((x * 20).astype("uint8"), (3, 4)))
    np.savez_compressed(os.path.join(os.path.dirname(path), "keras_resize.npz"), **arrays)
    print(f"wrote {path}: " + ", ".join(f"{k}={len(v)}" for k, v in names.items()
                                        if isinstance(v, list)))


if __name__ == "__main__":
    main()
