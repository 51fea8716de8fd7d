"""Run by a Keras 3 interpreter (see test_to_keras.py): loads the `.keras` files that
pyfastfit wrote in a directory and checks them against what pyfastfit recorded.

    python keras_check.py DIR CASE [CASE ...]

For each case, `DIR/<case>.keras` is loaded with `keras.saving.load_model`, its
predictions on `DIR/<case>.npz`'s inputs are compared with pyfastfit's, and (with a
backend that trains) one `train_on_batch` step is compared with pyfastfit's next step.
Prints one JSON line: {case: {"pred": max_abs_err, "next": max_abs_err|null, ...}}.
"""

import importlib.util
import json
import os
import sys

if "KERAS_BACKEND" not in os.environ:
    os.environ["KERAS_BACKEND"] = ("tensorflow" if importlib.util.find_spec("tensorflow")
                                   else "numpy")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import keras  # noqa: E402

import keras_side  # noqa: E402,F401  (registers the custom classes)


def _arrays(data, prefix):
    out = []
    while f"{prefix}{len(out)}" in data:
        out.append(data[f"{prefix}{len(out)}"])
    return out


def _one(xs):
    return xs[0] if len(xs) == 1 else list(xs)


def check(directory, case):
    data = np.load(os.path.join(directory, f"{case}.npz"))
    model = keras.saving.load_model(os.path.join(directory, f"{case}.keras"))
    pred = model.predict(_one(_arrays(data, "x")), verbose=0)
    pred = pred if isinstance(pred, list) else [pred]
    result = {"pred": max(float(np.abs(p - q).max())
                          for p, q in zip(pred, _arrays(data, "pred"), strict=True)),
              "backend": keras.backend.backend(), "next": None,
              "iterations": int(np.asarray(model.optimizer.iterations))}
    if keras.backend.backend() != "numpy" and "next0" in data:
        model.train_on_batch(_one(_arrays(data, "bx")), _one(_arrays(data, "by")))
        result["next"] = max(float(np.abs(w - v).max()) for w, v in
                             zip(model.get_weights(), _arrays(data, "next"), strict=True))
    return result


if __name__ == "__main__":
    directory, cases = sys.argv[1], sys.argv[2:]
    print(json.dumps({case: check(directory, case) for case in cases}))
