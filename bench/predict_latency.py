"""Single-sample inference latency: `model(x)` against `model.predict(x)`.

    python bench/predict_latency.py                 # pyfastfit, W1's MLP 784-64-64-10
    python bench/predict_latency.py --backend keras --calls 300   # under the peers venv

Prints the median time per call (after warm-up) for 1 and 32 samples, and the ratio
predict / call. `predict` runs with verbose=0 (the progress bar is console I/O, not
inference). Timings are medians of `--calls` calls, so one noisy call does not move them.
"""

import argparse
import os
import statistics
import time

import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def build(keras):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    return model


def median_us(fn, calls):
    for _ in range(min(50, calls)):
        fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--backend", default="pyfastfit", choices=("pyfastfit", "keras"))
    p.add_argument("--calls", type=int, default=2000)
    args = p.parse_args()
    if args.backend == "keras":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        import keras
    else:
        import pyfastfit as keras
    model = build(keras)
    rng = np.random.default_rng(0)
    print(f"backend={args.backend}  model=784-64-64-10  median of {args.calls} calls")
    print(f"{'samples':>8} {'model(x) us':>12} {'predict us':>11} {'ratio':>6}")
    for n in (1, 32):
        x = rng.random((n, 784), dtype=np.float32)
        call = median_us(lambda: model(x), args.calls)
        pred = median_us(lambda: model.predict(x, verbose=0), args.calls)
        print(f"{n:>8} {call:>12.1f} {pred:>11.1f} {pred / call:>6.2f}")


if __name__ == "__main__":
    main()
