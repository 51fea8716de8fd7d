"""Produces the Keras-made saving fixtures (run once with a Keras 3 interpreter):

    KERAS_BACKEND=tensorflow /work/venvs/peers/bin/python tests/saving/make_keras_saving_fixtures.py

For each case of `keras_side.CASES`: Keras builds and fits the model (2 epochs, no
shuffle), saves `<case>.keras`, and records in `<case>.npz` the inputs (`x0`, ...), its
predictions (`pred0`, ...), one more `train_on_batch` step's batch (`bx0`, `by0`, ...),
the loss of that step and the weights after it (`next0`, ... in `model.weights` order).

Also writes two files in Keras 2's formats, made with h5py/zipfile following the
documented layouts (no Keras 2 is installed here): `keras2_mlp.h5` (full-model HDF5:
`model_config` attribute + `model_weights/<layer>/<weight>` with `layer_names` /
`weight_names`) and `keras213_mlp.keras` (Keras 2.13-2.15 `.keras`: module
`keras.src.engine.functional`, `batch_input_shape`, Keras 2 inbound nodes, weights under
`_layer_checkpoint_dependencies`), both with the weights `mlp_dropout.keras` holds.
"""

import json
import os
import sys
import zipfile

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import keras  # noqa: E402

import keras_side  # noqa: E402

OUT = os.path.join(HERE, "fixtures")


def make_case(case):
    keras.utils.set_random_seed(1)
    model, x, y = keras_side.build(case)
    model.fit(x if len(x) > 1 else x[0], y if len(y) > 1 else y[0], epochs=2,
              batch_size=8, shuffle=False, verbose=0)
    model.save(os.path.join(OUT, f"{case}.keras"))
    saved_weights = model.get_weights()
    arrays = {f"x{i}": a for i, a in enumerate(x)}
    pred = model.predict(x if len(x) > 1 else x[0], verbose=0)
    pred = pred if isinstance(pred, list) else [pred]
    arrays.update({f"pred{i}": p for i, p in enumerate(pred)})
    bx = [a[:8] * 1.5 for a in x]
    by = [a[:8] for a in y]
    arrays.update({f"bx{i}": a for i, a in enumerate(bx)})
    arrays.update({f"by{i}": a for i, a in enumerate(by)})
    loss = model.train_on_batch(bx if len(bx) > 1 else bx[0], by if len(by) > 1 else by[0])
    arrays["next_loss"] = np.asarray(loss if np.ndim(loss) == 0 else loss[0], "float64")
    arrays.update({f"next{i}": np.asarray(w) for i, w in enumerate(model.get_weights())})
    np.savez(os.path.join(OUT, f"{case}.npz"), **arrays)
    return saved_weights


def _k2_dense(name, units, activation, input_shape=None):
    config = {"name": name, "trainable": True, "dtype": "float32", "units": units,
              "activation": activation, "use_bias": True,
              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}},
              "bias_initializer": {"class_name": "Zeros", "config": {}},
              "kernel_regularizer": None, "bias_regularizer": None,
              "activity_regularizer": None, "kernel_constraint": None,
              "bias_constraint": None}
    if input_shape is not None:
        config["batch_input_shape"] = [None, *input_shape]
    return {"class_name": "Dense", "config": config}


def make_keras2_files(weights):
    import h5py

    kernel1, bias1, kernel2, bias2 = weights
    layers = [_k2_dense("dense", 8, "relu", (4,)),
              {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True,
                                                   "dtype": "float32", "rate": 0.25,
                                                   "noise_shape": None, "seed": None}},
              _k2_dense("dense_1", 3, "softmax")]
    config = {"class_name": "Sequential",
              "config": {"name": "sequential", "layers": layers}}
    with h5py.File(os.path.join(OUT, "keras2_mlp.h5"), "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([b"dense", b"dropout", b"dense_1"])
        for name, ws in (("dense", (kernel1, bias1)), ("dropout", ()),
                         ("dense_1", (kernel2, bias2))):
            lg = g.create_group(name)
            names = [f"{name}/kernel:0", f"{name}/bias:0"][:len(ws)]
            lg.attrs["weight_names"] = np.array([n.encode() for n in names])
            for n, w in zip(names, ws):
                lg.create_dataset(n, data=w)

    # Keras 2.13-2.15 `.keras`: a Functional model with Keras 2 configs.
    inp = {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
        "ragged": False, "name": "input_1"}, "name": "input_1", "inbound_nodes": []}
    d1 = dict(_k2_dense("dense", 8, "relu"), name="dense",
              inbound_nodes=[[["input_1", 0, 0, {}]]])
    dr = {**layers[1], "name": "dropout", "inbound_nodes": [[["dense", 0, 0, {}]]]}
    d2 = dict(_k2_dense("dense_1", 3, "softmax"), name="dense_1",
              inbound_nodes=[[["dropout", 0, 0, {}]]])
    for layer in (inp, d1, dr, d2):
        layer["module"] = "keras.layers"
        layer["registered_name"] = None
    config = {"module": "keras.src.engine.functional", "class_name": "Functional",
              "config": {"name": "model", "trainable": True, "layers": [inp, d1, dr, d2],
                         "input_layers": [["input_1", 0, 0]],
                         "output_layers": [["dense_1", 0, 0]]},
              "registered_name": "Functional", "build_config": {"input_shape": [None, 4]}}
    weights_path = os.path.join(OUT, "_k213.h5")
    with h5py.File(weights_path, "w") as f:
        root = f.create_group("_layer_checkpoint_dependencies")
        for name, ws in (("input_layer", ()), ("dense", (kernel1, bias1)),
                         ("dropout", ()), ("dense_1", (kernel2, bias2))):
            vg = root.create_group(name).create_group("vars")
            for i, w in enumerate(ws):
                vg.create_dataset(str(i), data=w)
        f.create_group("vars")
    with zipfile.ZipFile(os.path.join(OUT, "keras213_mlp.keras"), "w") as zf:
        zf.writestr("metadata.json", json.dumps({"keras_version": "2.13.1",
                                                 "date_saved": "2023-08-01@10:00:00"}))
        zf.writestr("config.json", json.dumps(config))
        zf.write(weights_path, "model.weights.h5")
    os.remove(weights_path)


def main():
    os.makedirs(OUT, exist_ok=True)
    saved = {case: make_case(case) for case in keras_side.CASES}
    make_keras2_files(saved["mlp_dropout"])
    print("keras", keras.__version__, "wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
