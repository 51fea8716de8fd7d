"""Benchmark workloads: seeded synthetic data (MNIST-like) and GEMM FLOP counts.

Imported by `run.py` and by every implementation under `impls/` (NumPy only, no
framework), so all implementations see exactly the same arrays.
"""

import numpy as np

FEATURES, CLASSES = 784, 10
N_TRAIN, N_VAL = 50_000, 10_000

# name -> description. Layer sizes are the Dense widths after the input.
WORKLOADS = {
    "mlp": dict(
        label="W1 fit epoch: MLP 784-64-64-10 relu, RMSprop(1e-3), sparse CE + "
              "sparse_categorical_accuracy, batch 64, 50,000 samples + validation_data 10,000",
        layers=(64, 64, CLASSES), batch_size=64, validation=True, kind="fit"),
    "mlp512": dict(
        label="W2 fit epoch: MLP 784-512-Dropout(0.5)-10, rmsprop, sparse CE + accuracy, "
              "batch 32, 50,000 samples, no validation",
        layers=(512, CLASSES), batch_size=32, validation=False, kind="fit", dropout=0.5),
    "custom_loop": dict(
        label="W5 custom GradientTape loop epoch: W1's model (logits) + "
              "SparseCategoricalCrossentropy(from_logits=True), SGD(1e-3), batch 64, "
              "SparseCategoricalAccuracy updated per step, 50,000 samples",
        layers=(64, 64, CLASSES), batch_size=64, validation=False, kind="custom_loop"),
    "evaluate": dict(
        label="W1's model evaluate() on 10,000 samples, batch 64 (loss + accuracy)",
        layers=(64, 64, CLASSES), batch_size=64, validation=False, kind="evaluate"),
    "predict": dict(
        label="W1's model predict() on 10,000 samples, batch 64",
        layers=(64, 64, CLASSES), batch_size=64, validation=False, kind="predict"),
}

# Issue 4's "done when" targets for the `pyfastfit` row: minimum speed-up vs each peer
# (median time ratio), and the most times the roofline allowed.
TARGETS = {
    "mlp": {"keras": 10, "torch": 3, "roofline_x": 2},
    "mlp512": {"keras": 8, "torch": 10},
    "custom_loop": {"torch": 2},
    "evaluate": {"keras": 10, "torch": 1.5},
    "predict": {"keras": 15, "torch": 1.5},
}


def make_data(seed=0):
    """Returns (x_train, y_train, x_val, y_val): float32 in [0, 1), int64 labels 0-9.

    Labels come from a fixed random linear teacher, so the models actually learn.
    Built in float32 chunks to keep the peak memory at the size of the data.
    """
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((FEATURES, CLASSES), dtype=np.float32)

    def split(n):
        x = rng.random((n, FEATURES), dtype=np.float32)
        y = np.empty(n, dtype=np.int64)
        for s in range(0, n, 10_000):
            y[s:s + 10_000] = np.argmax((x[s:s + 10_000] - 0.5) @ teacher, axis=1)
        return x, y

    x_train, y_train = split(N_TRAIN)
    x_val, y_val = split(N_VAL)
    return x_train, y_train, x_val, y_val


def dense_shapes(layers):
    shapes, fan_in = [], FEATURES
    for units in layers:
        shapes.append((fan_in, units))
        fan_in = units
    return shapes


def forward_flops_per_sample(layers):
    return sum(2 * i * o for i, o in dense_shapes(layers))


def train_flops_per_sample(layers):
    """GEMM FLOPs of one training sample: forward (2io) + weight gradient (2io) + input
    gradient (2io) for every Dense layer except the first (no gradient w.r.t. the data).
    Elementwise work (bias, activations, softmax, optimizer) is not counted."""
    total = 0
    for k, (i, o) in enumerate(dense_shapes(layers)):
        total += (4 if k == 0 else 6) * i * o
    return total


def flops(name):
    """GEMM FLOPs of one timed unit of the workload (an epoch, or one evaluate/predict)."""
    w = WORKLOADS[name]
    if w["kind"] in ("fit", "custom_loop"):
        total = N_TRAIN * train_flops_per_sample(w["layers"])
        if w["validation"]:
            total += N_VAL * forward_flops_per_sample(w["layers"])
        return total
    return N_VAL * forward_flops_per_sample(w["layers"])


def samples(name):
    """Samples processed per timed unit used for samples/s (training samples for fit)."""
    return N_TRAIN if WORKLOADS[name]["kind"] in ("fit", "custom_loop") else N_VAL


def data_mb():
    """Size of make_data()'s arrays in MB."""
    return (N_TRAIN + N_VAL) * (FEATURES * 4 + 8) / 2**20
