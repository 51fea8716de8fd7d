"""The main job: train the Keras guide's MLP on the bundled 8x8 digits.

Run it with `python -m pyfastfit.demo` (options: `--help`). It loads the UCI handwritten
digits that ship inside the package (1,797 8x8 images, CC BY 4.0), scales the pixels to
[0, 1], holds out a random 20% as the test set, trains Dense 64-64-10 with RMSprop
(batch 32, 20 epochs; 10% of the training rows validate each epoch), then prints the test
accuracy and the wall time. Test accuracy is 0.95-0.975 depending on `--seed`; Keras 3
gets the same on the same splits (mean 0.966 over seeds 0-4, ours 0.962).
"""

import argparse
import sys
import time


def build_model():
    """The guide's MLP, with an input size of 64 (8x8 pixels)."""
    import pyfastfit as keras
    from pyfastfit import layers

    return keras.Sequential(
        [
            keras.Input(shape=(64,), name="digits"),
            layers.Dense(64, activation="relu", name="dense_1"),
            layers.Dense(64, activation="relu", name="dense_2"),
            layers.Dense(10, activation="softmax", name="predictions"),
        ],
        name="digits_mlp",
    )


def load_digits(seed):
    """`(x_train, y_train), (x_test, y_test)`: float32 pixels in [0, 1], int labels."""
    from pyfastfit.datasets import digits

    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.2, seed=seed)
    x_train = x_train.reshape(-1, 64).astype("float32") / 16.0
    x_test = x_test.reshape(-1, 64).astype("float32") / 16.0
    return (x_train, y_train.astype("int32")), (x_test, y_test.astype("int32"))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m pyfastfit.demo",
        description="Train an MLP (Dense 64-64-10) on the bundled 8x8 handwritten digits.",
    )
    parser.add_argument("--epochs", type=int, default=20, help="epochs (default 20)")
    parser.add_argument("--batch-size", type=int, default=32, help="batch size (default 32)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the split, the weights and the shuffles (default 0)")
    parser.add_argument("--verbose", type=int, default=1, choices=(0, 1, 2),
                        help="0 silent, 1 progress bar, 2 one line per epoch (default 1)")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be >= 1, got {args.epochs}")
    if args.batch_size < 1:
        parser.error(f"--batch-size must be >= 1, got {args.batch_size}")
    return args


def main(argv=None):
    """Trains and evaluates the model; returns the test accuracy."""
    args = parse_args(argv)
    start = time.perf_counter()

    import pyfastfit as keras

    keras.utils.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_digits(args.seed)
    model = build_model()
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["sparse_categorical_accuracy"],
    )
    print(f"Training on {len(x_train)} digits (10% of them validate), "
          f"testing on {len(x_test)}.")
    fit_start = time.perf_counter()
    history = model.fit(
        x_train,
        y_train,
        batch_size=args.batch_size,
        epochs=args.epochs,
        validation_split=0.1,
        verbose=args.verbose,
    )
    fit_time = time.perf_counter() - fit_start
    test_loss, test_acc = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    wall = time.perf_counter() - start

    val_acc = history.history.get("val_sparse_categorical_accuracy", [float("nan")])[-1]
    print(f"validation accuracy: {val_acc:.4f}")
    print(f"test loss: {test_loss:.4f} - test accuracy: {test_acc:.4f}")
    print(f"wall time: {wall:.2f} s (fit: {fit_time:.2f} s for {args.epochs} epochs)")
    return test_acc


if __name__ == "__main__":
    main()
    sys.exit(0)
