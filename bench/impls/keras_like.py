"""Keras-API implementation of the workloads, run with Keras 3 (TensorFlow backend, or
JAX backend with `--backend keras-jax`) or with pyfastfit: the same code, only the import
differs (`import pyfastfit as keras`). W5/W6 (keras_custom.py) are written as each
backend's guide writes them; W7 is keras_sweep.py.

    python bench/impls/keras_like.py --backend pyfastfit --workload mlp --epochs 3
    /work/venvs/peers/bin/python bench/impls/keras_like.py --backend keras --workload mlp
    /work/venvs/peers/bin/python bench/impls/keras_like.py --backend keras-jax --workload mlp

Prints one `BENCH_RESULT {json}` line (see harness.emit). Times come from
`time.perf_counter`; fit epochs are timed by a callback (on_epoch_begin -> on_epoch_end,
which includes the validation pass); the first epoch / call is the untimed warm-up.
"""

import argparse
import os
import sys
import time

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import harness  # noqa: E402
import workloads  # noqa: E402
from keras_custom import (jax_custom_model_class, run_custom_loop,  # noqa: E402
                          run_custom_loop_jax, tape_custom_model_class)
from keras_sweep import run_sweep  # noqa: E402


BLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def openblas_core():
    """The kernel sets the OpenBLAS libraries loaded in this process picked (NumPy's and
    pyfastfit's; shows whether OPENBLAS_CORETYPE took effect), or None."""
    import ctypes

    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line.lower()
                    and ".so" in line}
    except OSError:
        return None
    found = []
    for lib in sorted(libs):
        try:
            handle = ctypes.CDLL(lib)
        except OSError:
            continue
        for fn in ("scipy_openblas_get_corename", "openblas_get_corename",
                   "scipy_openblas_get_corename64_", "openblas_get_corename64_"):
            if hasattr(handle, fn):
                getattr(handle, fn).restype = ctypes.c_char_p
                found.append(f"{os.path.basename(lib)}: {getattr(handle, fn)().decode()}")
                break
    return "; ".join(found) or None


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--backend", choices=["keras", "keras-jax", "pyfastfit"], required=True)
    p.add_argument("--workload", choices=sorted(workloads.WORKLOADS), required=True)
    p.add_argument("--epochs", type=int, default=3, help="timed epochs/calls after warm-up")
    p.add_argument("--eager", action="store_true", help="compile(run_eagerly=True)")
    p.add_argument("--tf-function", action="store_true",
                   help="custom_loop: wrap the step in tf.function (keras) or "
                        "pyfastfit.function (pyfastfit)")
    p.add_argument("--quick", action="store_true",
                   help="tiny sample counts (workloads.set_quick), for smoke tests")
    return p.parse_args()


def import_backend(name):
    """(keras module, tensorflow or None, versions). Keras's backend is fixed here, not
    left to the caller's environment: "keras" is TensorFlow, "keras-jax" JAX (whose W5
    still reads its batches from tf.data, as the JAX guide does)."""
    if name in ("keras", "keras-jax"):
        backend = "jax" if name == "keras-jax" else "tensorflow"
        os.environ["KERAS_BACKEND"] = backend
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
        assert keras.backend.backend() == backend, keras.backend.backend()
        import tensorflow as tf
        versions = {"keras": keras.__version__, "tensorflow": tf.__version__}
        if backend == "jax":
            import jax

            versions.update(jax=jax.__version__, jax_devices=str(jax.devices()))
        return keras, tf, versions
    sys.path.insert(0, os.path.dirname(BENCH))
    import pyfastfit as keras
    return keras, None, {"pyfastfit": keras.__version__}


def build_cnn(keras):
    """W3: the Keras MNIST convnet example without its Dropout."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=workloads.IMAGE),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dense(workloads.CLASSES, activation="softmax"),
    ])


def build_multi_io(keras):
    """W4: the training & evaluation guide's multi-input/multi-output model. The guide's
    class head has no activation under CategoricalCrossentropy(from_logits=False); a
    softmax makes that loss well defined (and equal to PyTorch's log_softmax loss)."""
    layers = keras.layers
    image_input = keras.Input(shape=workloads.MIO_IMAGE, name="img_input")
    timeseries_input = keras.Input(shape=workloads.MIO_SERIES, name="ts_input")
    x1 = layers.Conv2D(3, 3)(image_input)
    x1 = layers.GlobalMaxPooling2D()(x1)
    x2 = layers.Conv1D(3, 3)(timeseries_input)
    x2 = layers.GlobalMaxPooling1D()(x2)
    x = layers.concatenate([x1, x2])
    score_output = layers.Dense(1, name="score_output")(x)
    class_output = layers.Dense(workloads.MIO_CLASSES, activation="softmax",
                                name="class_output")(x)
    return keras.Model(inputs=[image_input, timeseries_input],
                       outputs=[score_output, class_output])


def build_model(keras, w, logits=False, name=None, model_cls=None):
    if name == "cnn":
        return build_cnn(keras)
    if name == "multi_io":
        return build_multi_io(keras)
    layers = keras.layers
    inputs = keras.Input(shape=(workloads.FEATURES,), name="digits")
    x = inputs
    for k, units in enumerate(w["layers"][:-1]):
        x = layers.Dense(units, activation="relu", name=f"dense_{k + 1}")(x)
        if w.get("dropout"):
            x = layers.Dropout(w["dropout"])(x)
    outputs = layers.Dense(w["layers"][-1], activation=None if logits else "softmax",
                           name="predictions")(x)
    return (model_cls or keras.Model)(inputs=inputs, outputs=outputs)


def compile_model(keras, model, name, eager):
    kwargs = {"run_eagerly": True} if eager else {}
    if name == "custom_fit":  # chapter 7: the train_step has its own loss and tracker
        model.compile(optimizer=keras.optimizers.RMSprop(), **kwargs)
    elif name == "cnn":  # the MNIST convnet example
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], **kwargs)
    elif name == "multi_io":  # the guide's loss_weights example
        model.compile(
            optimizer=keras.optimizers.RMSprop(1e-3),
            loss={"score_output": keras.losses.MeanSquaredError(),
                  "class_output": keras.losses.CategoricalCrossentropy()},
            metrics={"score_output": [keras.metrics.MeanAbsolutePercentageError(),
                                      keras.metrics.MeanAbsoluteError()],
                     "class_output": [keras.metrics.CategoricalAccuracy()]},
            loss_weights={"score_output": 2.0, "class_output": 1.0}, **kwargs)
    elif name == "mlp512":  # chapter 7: compile(optimizer="rmsprop", ...)
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"], **kwargs)
    else:  # the guide's first example
        model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                      loss=keras.losses.SparseCategoricalCrossentropy(),
                      metrics=[keras.metrics.SparseCategoricalAccuracy()], **kwargs)


def run_fit(keras, model, name, data, epochs):
    w = workloads.WORKLOADS[name]
    x, y, xv, yv = data
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    callbacks = [EpochTimer()]
    if os.environ.get("PFF_BENCH_CALLBACKS"):
        # Issue 11's check: W1 with EarlyStopping + ModelCheckpoint + CSVLogger.
        import tempfile

        tmp = tempfile.mkdtemp(prefix="bench-callbacks-")
        callbacks += [keras.callbacks.EarlyStopping(monitor="val_loss", patience=50),
                      keras.callbacks.ModelCheckpoint(os.path.join(tmp, "w.weights.h5"),
                                                      save_weights_only=True),
                      keras.callbacks.CSVLogger(os.path.join(tmp, "log.csv"))]
    t0 = time.perf_counter()
    hist = model.fit(x, y, batch_size=w["batch_size"], epochs=1 + epochs,
                     validation_data=(xv, yv) if w["validation"] else None,
                     verbose=0, callbacks=callbacks)
    total = time.perf_counter() - t0
    final = {k: float(v[-1]) for k, v in hist.history.items()}
    times = workloads.per_unit(name, times)
    return dict(harness.summarize(times[1:], times[:1]), fit_total_s=total, final_logs=final)


def main():
    args = parse()
    if args.quick:
        workloads.set_quick()
    keras, tf, versions = import_backend(args.backend)
    jax_backend = args.backend == "keras-jax"
    w = workloads.WORKLOADS[args.workload]
    data = workloads.make_workload_data(args.workload)
    rss_after_data = harness.rss_mb()
    if hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(0)
    if w["kind"] == "custom_loop":
        model = build_model(keras, w, logits=True)
        if jax_backend:
            res = run_custom_loop_jax(keras, tf, model, w, data, args.epochs + 1)
        else:
            res = run_custom_loop(keras, tf, model, w, data, args.epochs + 1,
                                  args.tf_function)
    elif w["kind"] == "sweep":
        res = run_sweep(keras, w, data, args.epochs + 1, args.eager)
        model = res.pop("model")
    else:
        model_cls = None
        if w.get("custom_train_step"):
            model_cls = (jax_custom_model_class(keras) if jax_backend else
                         tape_custom_model_class(keras, tf.GradientTape if tf is not None
                                                 else keras.GradientTape))
        model = build_model(keras, w, name=args.workload, model_cls=model_cls)
        compile_model(keras, model, args.workload, args.eager)
        if w["kind"] == "fit":
            res = run_fit(keras, model, args.workload, data, args.epochs)
        else:
            xv, yv = data[2], data[3]
            bs = w["batch_size"]
            if w["kind"] == "evaluate":
                fn = lambda: model.evaluate(xv, yv, batch_size=bs, verbose=0)  # noqa: E731
            else:
                fn = lambda: model.predict(xv, batch_size=bs, verbose=0)  # noqa: E731
            t0 = time.perf_counter()
            fn()
            warm = time.perf_counter() - t0
            res = harness.summarize(harness.time_calls(fn, args.epochs, warmup=0), [warm])
    for attr in ("fast_path_reason", "_fast_path_reason", "_fast_path"):
        if hasattr(model, attr):
            res["fast_path_info"] = repr(getattr(model, attr))[:200]
    if jax_backend and w["kind"] != "custom_loop":  # the loop is under its own jax.jit
        res["jit_compile"] = getattr(model, "jit_compile", None)
    res["versions"] = versions
    res["rss_after_data_mb"] = rss_after_data
    res["openblas_env"] = {v: os.environ.get(v) for v in BLAS_VARS}
    if args.backend == "pyfastfit":
        res["openblas_core"] = openblas_core()
    harness.emit(res)

if __name__ == "__main__":
    main()
