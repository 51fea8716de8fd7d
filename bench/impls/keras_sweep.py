"""W7 for the Keras-API implementations: the benchmark-sweep user. One timed unit = the
whole grid of workloads.sweep_grid(): for each (width, learning rate) a new
Sequential 64-w-w-10, `compile(Adam(lr), "sparse_categorical_crossentropy",
["accuracy"])`, `fit` 2 epochs at batch 32, `evaluate` at batch 32. Nothing is reused
between models, as in a user's sweep script: each framework pays whatever a new model
costs (Keras on JAX and TensorFlow trace and compile new step functions).

Imported by keras_like.py (same directory).
"""

import os
import sys

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, BENCH)
import harness  # noqa: E402
import workloads  # noqa: E402


def build_sweep_model(keras, width):
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(workloads.SWEEP_FEATURES,)),
        layers.Dense(width, activation="relu"),
        layers.Dense(width, activation="relu"),
        layers.Dense(workloads.CLASSES, activation="softmax"),
    ])


def run_sweep(keras, w, data, units, eager):
    """Runs the grid `units` times (the first is the untimed warm-up); returns the
    summary with every model's test loss/accuracy from the last sweep."""
    x, y, x_test, y_test = data
    bs = w["batch_size"]
    kwargs = {"run_eagerly": True} if eager else {}
    last = {}

    def sweep():
        rows = []
        for width, lr in workloads.sweep_grid():
            model = build_sweep_model(keras, width)
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                          **kwargs)
            model.fit(x, y, batch_size=bs, epochs=w["epochs"], verbose=0)
            loss, acc = model.evaluate(x_test, y_test, batch_size=bs, verbose=0)
            rows.append([width, lr, float(loss), float(acc)])
        last["rows"], last["model"] = rows, model

    times = harness.time_calls(sweep, units, warmup=0)
    res = harness.summarize(times[1:], times[:1])
    rows = last["rows"]
    best = max(rows, key=lambda r: r[3])
    res["final_logs"] = {"best_width": best[0], "best_lr": best[1],
                         "best_test_accuracy": best[3],
                         "mean_test_accuracy": sum(r[3] for r in rows) / len(rows)}
    res["sweep"] = rows
    res["models_per_unit"] = len(rows)
    res["model"] = last["model"]  # for keras_like's fast_path_info; popped before emit
    return res
