"""Writes the Keras 3 reference values that `test_keras_guides.py` checks the keras.io
examples of `guide_cases.py` against.

Needs Keras 3 with the TensorFlow backend (not a pyfastfit dependency). Run once, from the
repository root, with the peers' virtualenv:

    /work/venvs/peers/bin/python tests/integration/make_guide_fixtures.py

It writes `tests/integration/fixtures/guides.{json,npz}`. For each case (built with the
dropout rates and the VAE's sampling noise at 0, so that training is deterministic):
- the initial weights Keras drew (pyfastfit loads them with `set_weights`);
- `count_params()`, the output shape(s), and the shape column of `model.summary()`;
- the inference outputs on the case's inputs (`predict`; the VAE's encoder, and its
  decoder on `z_mean`);
- one training step on the first batch (a `fit` of one batch): its logs and the weights
  after it;
- `fit` for `PARITY_EPOCHS` epochs with `shuffle=False` (and the case's fit arguments,
  e.g. validation_split): the history and the final weights;
- `summary_dropped`: rows of Keras's summary that are not layers of the model (the
  `NotEqual` op Keras's functional tracing adds for an Embedding's mask), left out.

Backends: the cases with an Embedding that is trained (`JAX_CASES`) are recorded with
the JAX backend, the others with TensorFlow (the VAE's train_step uses tf.GradientTape).
With TensorFlow, an Embedding's gradient is a `tf.IndexedSlices` with one slice per
token, and Adam/RMSprop square it slice by slice, so a row met twice in a batch gets
g1**2 + g2**2 instead of (g1 + g2)**2 in its second moment: the weights after one step
differ from the dense gradient's by up to 3e-3. Keras's JAX and PyTorch backends (and
pyfastfit) use the dense gradient, and agree with each other.
"""

import json
import os
import subprocess
import sys
import tempfile

JAX_CASES = ("text_cnn", "ticket_model", "masked_average")
if len(sys.argv) > 2 and sys.argv[1] == "--part":
    os.environ["KERAS_BACKEND"] = sys.argv[2]
else:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import warnings  # noqa: E402

import numpy as np  # noqa: E402

import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import guide_cases as gc  # noqa: E402

OUT = os.path.join(HERE, "fixtures")


def build(name):
    builder = gc.CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rms_scaling's deprecation warning
        if name == "vae":
            import tensorflow as tf

            return builder(keras, drop=0.0, noise=0.0, tape=tf.GradientTape)
        return builder(keras, drop=0.0, noise=0.0)


def flat_outputs(out):
    if isinstance(out, dict):
        return [np.asarray(out[k]) for k in sorted(out)]
    if isinstance(out, (list, tuple)):
        return [np.asarray(o) for o in out]
    return [np.asarray(out)]


def first_batch(data, bs):
    if data is None:
        return None
    if isinstance(data, dict):
        return {k: v[:bs] for k, v in data.items()}
    return data[:bs]


def output_shapes(model):
    shape = model.output_shape
    if isinstance(shape, dict):
        return [list(shape[k]) for k in sorted(shape)]
    if isinstance(shape, list):
        return [list(s) for s in shape]
    return [list(shape)]


def record(name, meta, arrays):
    keras.utils.set_random_seed(0)
    case = build(name)
    model = case.model
    w0 = model.get_weights()
    entry = {"n_weights": len(w0)}
    for i, w in enumerate(w0):
        arrays[f"{name}/w0_{i}"] = w
    if name == "vae":
        entry["count_params"] = int(model.encoder.count_params()
                                    + model.decoder.count_params())
        entry["summary"] = gc.summary_shapes(model.encoder) + gc.summary_shapes(
            model.decoder)
        outs = flat_outputs(model.encoder.predict(case.eval_x, verbose=0))
        outs.append(model.decoder.predict(outs[0], verbose=0))
    else:
        entry["count_params"] = int(model.count_params())
        entry["output_shapes"] = output_shapes(model)
        entry["summary"] = gc.summary_shapes(model)
        # Rows of ops Keras's tracing turned into layers (not the model's own layers).
        # (The summary lists `model._operations`: the layers plus such ops.)
        rows = [layer for layer in getattr(model, "_operations", model.layers)
                if not (isinstance(model, keras.Sequential)
                        and isinstance(layer, keras.layers.InputLayer))]
        dropped = [i for i, layer in enumerate(rows) if type(layer).__name__ == "NotEqual"]
        entry["summary_dropped"] = dropped
        entry["summary"] = [s for i, s in enumerate(entry["summary"]) if i not in dropped]
        outs = flat_outputs(model.predict(case.eval_x, verbose=0))
    entry["n_outputs"] = len(outs)
    for i, o in enumerate(outs):
        arrays[f"{name}/pred_{i}"] = o

    # One step from the initial weights.
    case = build(name)
    case.model.set_weights(w0)
    case.model.compile(**case.compile_kwargs)
    # (fit on the first batch, not train_on_batch: Keras's train_on_batch hands a
    # custom train_step `(x, None, None)`, which the VAE guide's step does not unpack.)
    history = case.model.fit(first_batch(case.x, case.batch_size),
                             first_batch(case.y, case.batch_size),
                             batch_size=case.batch_size, epochs=1, verbose=0)
    entry["step_logs"] = {k: float(v[0]) for k, v in history.history.items()}
    for i, w in enumerate(case.model.get_weights()):
        arrays[f"{name}/wstep_{i}"] = w

    # A short fit, batches in order.
    case = build(name)
    case.model.set_weights(w0)
    case.model.compile(**case.compile_kwargs)
    history = case.model.fit(case.x, case.y, batch_size=case.batch_size,
                             epochs=gc.PARITY_EPOCHS, shuffle=False, verbose=0,
                             **case.fit_kwargs)
    entry["history"] = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    for i, w in enumerate(case.model.get_weights()):
        arrays[f"{name}/wfit_{i}"] = w
    meta[name] = entry


def part(backend, out):
    """Records this backend's cases into `out`.{json,npz}."""
    meta, arrays = {}, {}
    for name in gc.CASES:
        if (name in JAX_CASES) == (backend == "jax"):
            print("recording", name, "with", backend)
            record(name, meta, arrays)
            meta[name]["backend"] = backend
    with open(out + ".json", "w") as f:
        json.dump(meta, f)
    np.savez(out + ".npz", **arrays)


def main():
    meta, arrays = {"keras_version": keras.__version__, "cases": {}}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in ("tensorflow", "jax"):
            out = os.path.join(tmp, backend)
            subprocess.run([sys.executable, os.path.abspath(__file__), "--part", backend,
                            out], check=True)
            with open(out + ".json") as f:
                meta["cases"].update(json.load(f))
            with np.load(out + ".npz") as z:
                arrays.update({k: z[k] for k in z.files})
    meta["cases"] = {name: meta["cases"][name] for name in gc.CASES}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "guides.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    np.savez_compressed(os.path.join(OUT, "guides.npz"), **arrays)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--part":
        part(sys.argv[2], sys.argv[3])
    else:
        main()
