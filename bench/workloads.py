"""Benchmark workloads: seeded synthetic data (MNIST-like, and the multi-input model's
images and time series) and GEMM FLOP counts (convolutions counted as their im2col GEMMs).

Imported by `run.py` and by every implementation under `impls/` (NumPy only, no
framework), so all implementations see exactly the same arrays. `set_quick()` shrinks
every sample count (and W7's sweep to 4 models) for smoke tests of the whole harness.
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
    "cnn": dict(
        label="W3 fit epoch: MNIST CNN Conv2D(32,3,relu)-MaxPooling2D(2)-Conv2D(64,3,relu)-"
              "MaxPooling2D(2)-Flatten-Dense(10,softmax), adam, sparse CE + accuracy, "
              "batch 128, 10,000 samples of 28x28x1, no validation",
        batch_size=128, validation=False, kind="fit", n_train=10_000),
    "multi_io": dict(
        label="W4 fit epoch: the guide's multi-input/multi-output model: img 32x32x3 -> "
              "Conv2D(3,3) -> GlobalMaxPooling2D, series 100x10 -> Conv1D(3,3) -> "
              "GlobalMaxPooling1D, concatenate -> Dense(1) score (MSE, weight 2) + "
              "Dense(5,softmax) class (CCE, weight 1), RMSprop(1e-3), metrics MAPE+MAE / "
              "categorical accuracy, batch 32, 2,000 samples, no validation",
        batch_size=32, validation=False, kind="fit", n_train=2_000),
    "custom_fit": dict(
        label="W6 fit epoch: chapter 7's CustomModel (train_step with a GradientTape, or "
              "stateless_call + jax.value_and_grad + stateless_apply under JAX, and a Mean "
              "loss tracker) on W1's model, RMSprop(), batch 64, 50,000 samples, "
              "no validation",
        layers=(64, 64, CLASSES), batch_size=64, validation=False, kind="fit",
        custom_train_step=True),
    "sweep": dict(
        label="W7 sweep: 20 MLPs 64-w-w-10 relu/softmax (w in 16, 32, 48, 64, 96, 128, "
              "192, 256, 320, 384 x Adam lr 1e-3, 1e-2), each built, compiled (sparse CE + "
              "accuracy), fit 2 epochs on 8,000 samples at batch 32 and evaluated on 2,000",
        batch_size=32, validation=False, kind="sweep", n_train=8_000, n_test=2_000,
        epochs=2),
    # Issue 13's step times: W1's model and compile, timed per training step (an epoch's
    # time / its steps; no validation, every batch full).
    "step1024": dict(
        label="W1 step at batch 1024: W1's model and compile, fit on 40,960 samples "
              "(40 steps an epoch), time per step",
        layers=(64, 64, CLASSES), batch_size=1024, validation=False, kind="fit",
        n_train=40_960, per_step=True),
    "step1": dict(
        label="W1 step at batch 1: W1's model and compile, fit on 2,048 samples at "
              "batch_size=1, time per step",
        layers=(64, 64, CLASSES), batch_size=1, validation=False, kind="fit",
        n_train=2_048, per_step=True),
}

# W3 (`cnn`) shapes, NHWC, "valid" convolutions:
#   28x28x1 -Conv2D(32,3)-> 26x26x32 -MaxPool2-> 13x13x32 -Conv2D(64,3)-> 11x11x64
#   -MaxPool2-> 5x5x64 -Flatten-> 1600 -Dense-> 10
IMAGE = (28, 28, 1)
CNN_CONVS = ((26 * 26, 3 * 3 * 1, 32), (11 * 11, 3 * 3 * 32, 64))  # (positions, k*k*cin, cout)
CNN_DENSE = (5 * 5 * 64, CLASSES)
# W4 (`multi_io`) shapes: the guide's Conv2D(3, 3) / Conv1D(3, 3) on a 32x32x3 image and a
# time series of 100 steps x 10 channels (the guide declares the length as None; a fixed
# length is given here so a fast path can take the model), heads Dense(1) and Dense(5).
MIO_IMAGE, MIO_SERIES, MIO_CLASSES = (32, 32, 3), (100, 10), 5
MIO_CONVS = ((30 * 30, 3 * 3 * 3, 3), (98, 3 * 10, 3))
MIO_DENSE = ((6, 1), (6, MIO_CLASSES))

# W7 (`sweep`): the benchmark-sweep user's grid, 64 input features (the size of the 8x8
# digits), two hidden layers of width w, Adam at each learning rate.
SWEEP_FEATURES = 64
SWEEP_WIDTHS = (16, 32, 48, 64, 96, 128, 192, 256, 320, 384)
SWEEP_LRS = (1e-3, 1e-2)


def sweep_grid():
    """[(width, learning_rate), ...] in the order every implementation runs them."""
    return [(wd, lr) for wd in SWEEP_WIDTHS for lr in SWEEP_LRS]


# Issue 4's "done when" targets for the `pyfastfit` row: minimum speed-up vs each peer
# (median time ratio), and the most times the roofline allowed.
TARGETS = {
    "mlp": {"keras": 10, "torch": 3, "roofline_x": 2},
    "mlp512": {"keras": 8, "torch": 10},
    "custom_loop": {"torch": 2},
    "evaluate": {"keras": 10, "torch": 1.5},
    "predict": {"keras": 15, "torch": 1.5},
    # issue 12: on `pyfastfit` (OpenBLAS picks this CPU's own kernels)
    "cnn": {"keras": 1.5, "torch": 3},
    "multi_io": {"keras": 15, "torch": 8},
}
# issue 12: with the machine's pinned OpenBLAS (AVX2 kernels), W3 at least as fast as Keras.
PINNED_TARGETS = {"cnn": {"keras": 1.0}}


def set_quick():
    """Shrinks every workload for a smoke test of the harness (`run.py --quick`): 2,000
    training / 500 validation samples, 256 for W3/W4, W7 with 2 widths x 2 learning rates
    on 800 / 200 samples, 4,096 / 256 for the step times. Timings from it say nothing about speed."""
    global N_TRAIN, N_VAL, SWEEP_WIDTHS
    N_TRAIN, N_VAL = 2_000, 500
    WORKLOADS["cnn"]["n_train"] = WORKLOADS["multi_io"]["n_train"] = 256
    WORKLOADS["sweep"].update(n_train=800, n_test=200)
    WORKLOADS["step1024"]["n_train"] = 4_096
    WORKLOADS["step1"]["n_train"] = 256
    SWEEP_WIDTHS = (SWEEP_WIDTHS[0], SWEEP_WIDTHS[-1])


def make_data(seed=0, n_train=None, n_val=None, features=FEATURES):
    """Returns (x_train, y_train, x_val, y_val): float32 in [0, 1), int64 labels 0-9.

    `n_train` / `n_val` default to N_TRAIN / N_VAL (50,000 / 10,000). Labels come from a
    fixed random linear teacher, so the models actually learn. Built in float32 chunks to
    keep the peak memory at the size of the data.
    """
    n_train = N_TRAIN if n_train is None else n_train
    n_val = N_VAL if n_val is None else n_val
    rng = np.random.default_rng(seed)
    teacher = rng.standard_normal((features, CLASSES), dtype=np.float32)

    def split(n):
        x = rng.random((n, features), dtype=np.float32)
        y = np.empty(n, dtype=np.int64)
        for s in range(0, n, 10_000):
            y[s:s + 10_000] = np.argmax((x[s:s + 10_000] - 0.5) @ teacher, axis=1)
        return x, y

    x_train, y_train = split(n_train)
    x_val, y_val = split(n_val)
    return x_train, y_train, x_val, y_val


def make_multi_io_data(n, seed=0):
    """W4's arrays: ([images (n,32,32,3), series (n,100,10)], [score (n,1), one-hot (n,5)]),
    float32. Both targets come from fixed linear teachers on the 13 per-channel means
    (standardized), so the model has something to learn."""
    rng = np.random.default_rng(seed)
    img = rng.random((n,) + MIO_IMAGE, dtype=np.float32)
    ts = rng.random((n,) + MIO_SERIES, dtype=np.float32)
    feats = np.concatenate([img.mean(axis=(1, 2)), ts.mean(axis=1)], axis=1)
    feats = (feats - feats.mean(0)) / feats.std(0)
    w_score = rng.standard_normal((feats.shape[1], 1)).astype(np.float32)
    w_class = rng.standard_normal((feats.shape[1], MIO_CLASSES)).astype(np.float32)
    score = (feats @ w_score).astype(np.float32)
    classes = np.eye(MIO_CLASSES, dtype=np.float32)[np.argmax(feats @ w_class, axis=1)]
    return [img, ts], [score, classes]


def make_workload_data(name, seed=0):
    """(x, y, x_val, y_val) for the workload; x/y are lists for `multi_io`, x_val/y_val
    None without validation. `cnn` takes make_data's first 10,000 training rows (the same
    generator), reshaped to 28x28x1 images."""
    if name == "cnn":
        x, y, _, _ = make_data(seed, n_train=WORKLOADS[name]["n_train"], n_val=0)
        return x.reshape((-1,) + IMAGE), y, None, None
    if name == "multi_io":
        x, y = make_multi_io_data(WORKLOADS[name]["n_train"], seed)
        return x, y, None, None
    if name == "sweep":  # (x_test, y_test) in the validation slots
        w = WORKLOADS[name]
        return make_data(seed, w["n_train"], w["n_test"], features=SWEEP_FEATURES)
    if WORKLOADS[name].get("per_step"):
        x, y, _, _ = make_data(seed, n_train=WORKLOADS[name]["n_train"], n_val=0)
        return x, y, None, None
    return make_data(seed)


def steps_per_epoch(name):
    """Training steps in one epoch of a fit workload."""
    w = WORKLOADS[name]
    return -(-w.get("n_train", N_TRAIN) // w["batch_size"])


def per_unit(name, epoch_times):
    """Epoch times as the workload's unit: per step for the step-time workloads."""
    if not WORKLOADS[name].get("per_step"):
        return list(epoch_times)
    return [t / steps_per_epoch(name) for t in epoch_times]


def dense_shapes(layers, fan_in=FEATURES):
    shapes = []
    for units in layers:
        shapes.append((fan_in, units))
        fan_in = units
    return shapes


def forward_flops_per_sample(layers, fan_in=FEATURES):
    return sum(2 * i * o for i, o in dense_shapes(layers, fan_in))


def train_flops_per_sample(layers, fan_in=FEATURES):
    """GEMM FLOPs of one training sample: forward (2io) + weight gradient (2io) + input
    gradient (2io) for every Dense layer except the first (no gradient w.r.t. the data).
    Elementwise work (bias, activations, softmax, optimizer) is not counted."""
    total = 0
    for k, (i, o) in enumerate(dense_shapes(layers, fan_in)):
        total += (4 if k == 0 else 6) * i * o
    return total


def conv_train_flops_per_sample(convs, dense, first_has_input_grad=False):
    """A convolution as its im2col GEMM: (positions x k*k*cin) @ (k*k*cin x cout), so
    2*positions*k*k*cin*cout FLOPs forward, as many for the kernel gradient and for the
    input gradient (col2im's GEMM), the latter skipped for a layer fed by the data.
    Dense layers: 6*in*out (forward, weight and input gradient). Pooling, bias,
    activations, losses and the optimizer are not counted."""
    total = 0
    for k, (pos, kk, cout) in enumerate(convs):
        total += (6 if (k > 0 or first_has_input_grad) else 4) * pos * kk * cout
    return total + sum(6 * i * o for i, o in dense)


def flops(name):
    """GEMM FLOPs of one timed unit of the workload (an epoch, a step, or one
    evaluate/predict).

    W3 (`cnn`) per sample: conv1 4*676*9*32 = 778,752 (forward + kernel gradient), conv2
    6*121*288*64 = 13,381,632, Dense 6*1600*10 = 96,000: 14.26 MFLOP, x 10,000 samples =
    142.6 GFLOP per epoch. W4 (`multi_io`) per sample: Conv2D 4*900*27*3 = 291,600, Conv1D
    4*98*30*3 = 35,280 (both fed by the data), Dense heads 6*6*1 + 6*6*5 = 216: 0.327 MFLOP,
    x 2,000 = 0.654 GFLOP per epoch (its time is all per-step overhead). W7 (`sweep`): the
    sum over its 20 models of 2 epochs x 8,000 training samples and 2,000 evaluated ones
    (93.5 GFLOP; each 64-384-384-10 model alone is 16.8)."""
    w = WORKLOADS[name]
    if name == "sweep":
        total = 0
        for wd, _ in sweep_grid():
            layers = (wd, wd, CLASSES)
            total += (w["epochs"] * w["n_train"] * train_flops_per_sample(layers, SWEEP_FEATURES)
                      + w["n_test"] * forward_flops_per_sample(layers, SWEEP_FEATURES))
        return total
    if name == "cnn":
        return w["n_train"] * conv_train_flops_per_sample(CNN_CONVS, [CNN_DENSE])
    if w.get("per_step"):
        return w["batch_size"] * train_flops_per_sample(w["layers"])
    if name == "multi_io":
        # Two separate branches, each fed by its own input: no input gradient for either.
        return w["n_train"] * (conv_train_flops_per_sample(MIO_CONVS[:1], [])
                               + conv_train_flops_per_sample(MIO_CONVS[1:], MIO_DENSE))
    if w["kind"] in ("fit", "custom_loop"):
        total = N_TRAIN * train_flops_per_sample(w["layers"])
        if w["validation"]:
            total += N_VAL * forward_flops_per_sample(w["layers"])
        return total
    return N_VAL * forward_flops_per_sample(w["layers"])


def samples(name):
    """Samples processed per timed unit used for samples/s (training samples for fit, the
    batch for a step; for W7 the training samples of all its models and epochs)."""
    w = WORKLOADS[name]
    if name == "sweep":
        return len(sweep_grid()) * w["epochs"] * w["n_train"]
    if w.get("per_step"):
        return w["batch_size"]
    if "n_train" in w:
        return w["n_train"]
    return N_TRAIN if w["kind"] in ("fit", "custom_loop") else N_VAL


def data_mb(name=None):
    """Size of the workload's arrays in MB (make_data()'s when no name is given)."""
    if name == "cnn":
        return WORKLOADS[name]["n_train"] * (FEATURES * 4 + 8) / 2**20
    if name == "multi_io":
        per = 4 * (np.prod(MIO_IMAGE) + np.prod(MIO_SERIES) + 1 + MIO_CLASSES)
        return WORKLOADS[name]["n_train"] * float(per) / 2**20
    if name == "sweep":
        w = WORKLOADS[name]
        return (w["n_train"] + w["n_test"]) * (SWEEP_FEATURES * 4 + 8) / 2**20
    if name and WORKLOADS[name].get("per_step"):
        return WORKLOADS[name]["n_train"] * (FEATURES * 4 + 8) / 2**20
    return (N_TRAIN + N_VAL) * (FEATURES * 4 + 8) / 2**20
